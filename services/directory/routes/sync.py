"""What changed in an address book since a sync token, as one caller sees it (CardDAV sync).

A directory sync token is "number.stamp.snapshot": the data version (see freshness.py) and
the PostgreSQL snapshot (`pg_current_snapshot()`) it was read in. The contacts changed
since a token are those changed by transactions that snapshot could not see, and of those
only the ones the caller sees in the address book now or saw there then.
"""

from __future__ import annotations

from aiohttp import web

from services.directory.auth import principal
from services.directory.keys import POOL, QUERIES
from services.directory.scope import resolve_scope
from services.directory.synctokens import issued_snapshot
from services.directory.visibility import sight_of
from shared.errors import FieldError, ValidationFailed

routes = web.RouteTableDef()


@routes.get("/v1/sync")
async def changes(request: web.Request) -> web.Response:
    """The current sync token and data version; with `?since=`, what changed in `?network=`.

    The change set holds only contacts the caller sees in that network now, or saw there
    then (RFC 6578 §3.5: one that left their view is reported once, as gone, whether it was
    unpublished, made private or deleted). Anonymous callers and the service credential see
    what anyone sees; the vcard service asks with its caller's token. A `since` this
    database did not issue answers 422: the vcard service drops what it holds from that
    history and its client syncs afresh. A `since` older than the change log (pruned after
    KONTAKT_CHANGE_LOG_DAYS) answers 410: that client, or that book, syncs afresh.
    """
    caller = await principal(request)
    since = request.query.get("since") or None
    network = request.query.get("network") or None
    q = request.app[QUERIES]
    async with (
        request.app[POOL].acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        point = await conn.fetchrow(q["sync-point"])
        snapshot = await issued_snapshot(conn, q, since) if since is not None else None
        if snapshot is not None and network is None:
            raise ValidationFailed([FieldError("network", "is required with since")])
        changed = None
        if network is not None:
            sight = await sight_of(conn, q, caller)
            book, _, scope = await resolve_scope(conn, request.app[QUERIES], network, None, sight)
            if snapshot is not None:
                rows = await conn.fetch(
                    q["changed-since"],
                    snapshot,
                    scope,
                    book["id"],
                    sight.admin,
                    sorted(sight.granted),
                )
                changed = sorted(str(r["uid"]) for r in rows)
    assert point is not None
    body = {
        "token": f"{point['version']}.{point['snapshot']}",
        "version": point["version"],
        "changed": changed,
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})
