"""Contacts from CSV over HTTP, each row checked against the caller's networks, and CSV out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from services.directory.keys import POOL, QUERIES
from services.directory.networks import resolve_scope
from services.directory.store import network_ids
from services.directory.transfer import (
    CSV_COLUMNS,
    Report,
    contact_cells,
    contact_export,
    csv_to_contacts,
    import_contact,
    import_row,
)
from services.directory.visibility import sight_of
from shared.conn import Conn
from shared.csvio import Cell, CsvWriter, stream_csv
from shared.errors import BadRequest, FieldError, Forbidden, ValidationFailed
from shared.identity import Caller, identify
from shared.progress import NdjsonProgress as Progress
from shared.queries import Queries

routes = web.RouteTableDef()
PAGE = 1000


async def _allowed(conn: Conn, q: Queries, caller: Caller, contact: dict[str, Any]) -> None:
    """The row's networks, and the contact it would overwrite, must be the caller's to edit."""
    slugs = [n["network"] for n in contact["networks"]]
    ids = await network_ids(conn, q, slugs)
    if not caller.can_all("edit_contacts", ids.values()):
        raise Forbidden("You may import contacts only into your own networks.")
    if contact.get("uid"):
        try:
            uid = str(uuid.UUID(str(contact["uid"])))
        except ValueError as exc:
            raise ValidationFailed([FieldError("uid", "is not a UUID")]) from exc
        existing = await conn.fetchval(q["contact-by-uid"], uid)
        if existing is not None:
            row = await conn.fetchrow(q["lock-contact"], existing)
            if row is not None and not caller.can_all("edit_contacts", row["network_ids"]):
                raise Forbidden("That contact belongs to networks you do not edit.")


async def import_csv(
    request: web.Request, caller: Caller, text: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Every row created, updated or rejected with its reasons; the good rows stay."""
    network = request.query.get("network") or None
    try:
        numbered, unreadable = csv_to_contacts(text)
    except ValueError as exc:
        raise BadRequest(f"The CSV cannot be read: {exc}.") from exc
    report = Report(rejected=list(unreadable))
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        for number, contact in numbered:
            if not contact["networks"] and network:
                contact["networks"] = [{"network": network, "role": "member"}]

            async def work(contact: dict[str, Any] = contact) -> bool:
                await _allowed(conn, q, caller, contact)
                return await import_contact(conn, q, contact)

            await import_row(conn, report, "contact", number, work)
            if progress is not None:
                await progress(number, len(numbered))
    return report.as_json() | {"rows": len(numbered) + len(unreadable)}


@routes.get("/v1/networks/{slug}/contacts.csv")
async def export_csv(request: web.Request) -> web.StreamResponse:
    """A network's contacts with their addresses, for its editors (or admins), streamed."""
    caller = await identify(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        sight = await sight_of(conn, q, caller)
        network, _, scope = await resolve_scope(
            conn, request, request.match_info["slug"], None, sight
        )
    if not caller.can("edit_contacts", network["id"]):
        raise Forbidden("You may export only the networks whose contacts you edit.")

    async def rows() -> AsyncIterator[list[Cell]]:
        # Keyset pages in one snapshot: memory stays flat however large the network is.
        async with (
            request.app[POOL].acquire() as conn,
            conn.transaction(isolation="repeatable_read"),
        ):
            after: tuple[int, int] = (-(2**31), 0)
            while page := await conn.fetch(
                q["list-contacts"], scope, None, *after, PAGE, True, None
            ):
                emails = {
                    r["contact_id"]: list(r["emails"])
                    for r in await conn.fetch(q["contact-emails"], [c["id"] for c in page])
                }
                for r in page:
                    shown = contact_export(r, emails.get(r["id"], []))
                    shown["networks"] = sight.memberships(r["networks"])
                    yield contact_cells(shown)
                after = (page[-1]["position"], page[-1]["id"])

    return await stream_csv(
        request, CsvWriter(CSV_COLUMNS), rows(), f"{network['slug']}-contacts.csv"
    )
