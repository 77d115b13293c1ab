"""A network's contact order: read it, and replace it whole in one request."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg
from aiohttp import web

from services.directory.contact_order import MAX_IDS, STEP, order_revision
from services.directory.keys import POOL, QUERIES
from services.directory.revisions import if_match_tag
from services.directory.scope import get_network_row
from services.directory.visibility import sight_of
from shared.conn import Conn
from shared.errors import Conflict, FieldError, Forbidden, ValidationFailed, read_object
from shared.identity import Caller, identify
from shared.payloads import JSON
from shared.queries import Queries
from shared.validate import Fields

routes = web.RouteTableDef()


async def _order(
    conn: Conn, request: web.Request, caller: Caller, *, lock: bool
) -> list[asyncpg.Record]:
    """The network's contacts in order, for a caller who edits its contacts (else 403)."""
    q: Queries = request.app[QUERIES]
    sight = await sight_of(conn, q, caller)
    network = await get_network_row(conn, q, request.match_info["slug"], sight)
    if not caller.can("edit_contacts", network["id"]):
        raise Forbidden("You may reorder contacts only in your own networks.")
    scope: list[int] = await conn.fetchval(q["network-subtree"], network["id"])
    rows: list[asyncpg.Record] = await conn.fetch(
        q["lock-network-order" if lock else "network-order"], scope
    )
    return rows


def _answer(ids: list[int]) -> web.Response:
    revision = order_revision(ids)
    return web.json_response(
        {"ids": ids, "revision": revision},
        headers={"ETag": f'"{revision}"', "Cache-Control": "no-store"},
    )


@routes.get("/v1/networks/{slug}/order")
async def get_order(request: web.Request) -> web.Response:
    """`{"ids": [contact ids in order], "revision": "…"}`: every contact, published or not."""
    caller = await identify(request)
    async with request.app[POOL].acquire() as conn:
        rows = await _order(conn, request, caller, lock=False)
    return _answer([r["id"] for r in rows])


def _wanted(body: Mapping[str, JSON]) -> tuple[list[int], str | None]:
    f = Fields(body)
    f.unknown({"ids", "revision"})
    ids: list[int] = []
    for index, raw in enumerate(f.items("ids", max_items=MAX_IDS)):
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            f.fail(f"ids[{index}]", "must be a contact id (a whole number)")
        else:
            ids.append(raw)
    sent = body.get("revision")
    revision = sent if isinstance(sent, str) else None
    if sent is not None and revision is None:
        f.fail("revision", "must be the revision string GET …/order answered")
    f.done()
    return ids, revision


@routes.put("/v1/networks/{slug}/order")
async def put_order(request: web.Request) -> web.Response:
    """Replace the order: `{"ids": [every contact id of the network, in the new order]}`.

    The revision read (`If-Match: "…"` or a `revision` field) is required; a stale one, or
    ids that are not exactly the network's contacts (one was added or deleted since), is a
    409 carrying the current revision. A contact that is also in a network the caller does
    not edit is a 403 naming it. Answers the new order.
    """
    caller = await identify(request)
    ids, revision = _wanted(await read_object(request))
    revision = if_match_tag(request) or revision
    if not revision:
        raise ValidationFailed(
            [FieldError("revision", "is required (If-Match or the field), from GET …/order")]
        )
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise ValidationFailed(
            [FieldError("ids", "lists contact %(twice)s twice", {"twice": twice})]
        )
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        rows = await _order(conn, request, caller, lock=True)
        current = [r["id"] for r in rows]
        now = order_revision(current)
        if revision != now:
            raise Conflict(
                "The order changed since you read it; reload it and move again.", revision=now
            )
        if set(ids) != set(current):
            raise Conflict(
                "ids must be exactly the network's contacts, each once (%(value)s now, "
                "%(value2)s sent).",
                revision=now,
                values={"value": len(current), "value2": len(ids)},
            )
        by_id = {r["id"]: r for r in rows}
        positions = {cid: (index + 1) * STEP for index, cid in enumerate(ids)}
        moved = [cid for cid in ids if by_id[cid]["position"] != positions[cid]]
        foreign = [
            cid for cid in moved if not caller.can_all("edit_contacts", by_id[cid]["network_ids"])
        ]
        if foreign:
            raise Forbidden(
                "Contact %(foreign)s is also in a network whose contacts you do not edit; ask "
                "its coordinator to move it.",
                values={"foreign": foreign[0]},
            )
        await conn.execute(q["set-positions"], moved, [positions[c] for c in moved])
    return _answer(ids)
