"""The directory out: the whole of it as JSON (`kontakt export`), a network's contacts as CSV.

Both come back in through `importing` unchanged: JSON as it is, CSV in the columns below,
lists joined with `|`, phones as `kind:number as written`, networks as `network:role`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.directory.export import CSV_COLUMNS, contact_cells, exported_contacts
from services.directory.keys import POOL, QUERIES
from services.directory.scope import resolve_scope
from services.directory.visibility import sight_of
from shared.csvio import Cell, CsvWriter, stream_csv
from shared.errors import Forbidden
from shared.identity import identify

routes = web.RouteTableDef()


@routes.get("/v1/networks/{slug}/contacts.csv")
async def export_csv(request: web.Request) -> web.StreamResponse:
    """A network's contacts with their addresses, for its editors (or admins), streamed."""
    caller = await identify(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        sight = await sight_of(conn, q, caller)
        network, _, scope = await resolve_scope(conn, q, request.match_info["slug"], None, sight)
    if not caller.can("edit_contacts", network["id"]):
        raise Forbidden("You may export only the networks whose contacts you edit.")

    async def rows() -> AsyncIterator[list[Cell]]:
        # Keyset pages in one snapshot: memory stays flat however large the network is.
        async with (
            request.app[POOL].acquire() as conn,
            conn.transaction(isolation="repeatable_read"),
        ):
            async for r, shown in exported_contacts(conn, q, scope):
                shown["networks"] = sight.memberships(r["networks"])
                yield contact_cells(shown)

    return await stream_csv(
        request, CsvWriter(CSV_COLUMNS), rows(), f"{network['slug']}-contacts.csv"
    )
