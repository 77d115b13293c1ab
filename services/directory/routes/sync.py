"""What changed in an address book since a sync token, as one caller sees it (CardDAV sync).

A directory sync token is "number.stamp.snapshot": the data version (see freshness.py) and
the PostgreSQL snapshot (`pg_current_snapshot()`) it was read in. The contacts changed
since a token are those changed by transactions that snapshot could not see, and of those
only the ones the caller sees in the address book now or saw there then.
"""

from __future__ import annotations

import itertools
import re

from aiohttp import web

from services.directory.auth import principal
from services.directory.keys import POOL, QUERIES
from services.directory.routes.networks import resolve_scope
from services.directory.visibility import sight_of
from shared.conn import Conn
from shared.errors import FieldError, Gone, ValidationFailed
from shared.queries import Queries

routes = web.RouteTableDef()

TOKEN = re.compile(
    r"^(\d{1,18})\.([0-9a-f]{32})"  # the data version
    r"\.(\d{1,19}):(\d{1,19}):((?:\d{1,19},){0,9999}\d{1,19})?$"  # xmin:xmax:xip,...
)
XID_LIMIT = 2**63


class InvalidSyncToken(ValidationFailed):
    """A sync token this database did not issue (RFC 6578 §3.2: the client syncs afresh)."""

    def __init__(self, field: str = "since") -> None:
        super().__init__([FieldError(field, "is not a sync token this directory issued")])


class ExpiredSyncToken(Gone):
    """A sync token older than the change log reaches back (housekeeping pruned its changes)."""

    def __init__(self, field: str = "since") -> None:
        message = "is older than the change log (KONTAKT_CHANGE_LOG_DAYS): read everything afresh"
        super().__init__(f"{field} {message}", errors=[{"field": field, "message": message}])


def parse_token(token: str) -> tuple[int, str, str]:
    """(version number, stamp, snapshot) of a well-formed token; InvalidSyncToken otherwise."""
    found = TOKEN.match(token)
    if found is None:
        raise InvalidSyncToken
    xmin, xmax = int(found[3]), int(found[4])
    xip = [int(x) for x in found[5].split(",")] if found[5] else []
    # What PostgreSQL's pg_snapshot input refuses, refused here first, with a 422 not a 500.
    if not 1 <= xmin <= xmax < XID_LIMIT:
        raise InvalidSyncToken
    if any(not xmin <= x < xmax for x in xip) or any(a >= b for a, b in itertools.pairwise(xip)):
        raise InvalidSyncToken
    return int(found[1]), found[2], f"{found[3]}:{found[4]}:{found[5] or ''}"


async def issued_snapshot(conn: Conn, q: Queries, token: str) -> str:
    """The snapshot of a token this database issued, else InvalidSyncToken.

    Checks the format; that the change log still reaches back to the token's version
    (ExpiredSyncToken when housekeeping pruned past it); that the version is in this
    database's history with the same stamp (a version made again after a restore fails),
    that its snapshot is not in the future, and that no later version was made by a
    transaction the snapshot saw. Run it in the same repeatable-read transaction as the
    change query.
    """
    number, stamp, snapshot = parse_token(token)
    if number < await conn.fetchval(q["first-kept-version"]):
        raise ExpiredSyncToken
    if not await conn.fetchval(q["issued-here"], number, stamp, snapshot):
        raise InvalidSyncToken
    return snapshot


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
            book, _, scope = await resolve_scope(conn, request, network, None, sight)
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
