"""What changed since a sync token: for the vcard service's CardDAV sync-collection."""

from __future__ import annotations

import re

from aiohttp import web

from services.directory.auth import require_service
from services.directory.keys import POOL, QUERIES
from shared.errors import FieldError, ValidationFailed

routes = web.RouteTableDef()

SNAPSHOT = re.compile(r"^\d+:\d+:(\d+(,\d+)*)?$")


@routes.get("/v1/sync")
async def changes(request: web.Request) -> web.Response:
    """The current sync token and data version; with `?since=`, the contacts changed since."""
    require_service(request)
    since = request.query.get("since") or None
    if since is not None and not SNAPSHOT.match(since):
        raise ValidationFailed([FieldError("since", "is not a sync token this service gave out")])
    q = request.app[QUERIES]
    async with (
        request.app[POOL].acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        point = await conn.fetchrow(q["sync-point"])
        changed = None
        if since is not None:
            rows = await conn.fetch(q["changed-since"], since)
            changed = sorted(str(r["uid"]) for r in rows)
    assert point is not None
    body = {"token": point["token"], "version": point["version"], "changed": changed}
    return web.json_response(body, headers={"Cache-Control": "no-store"})
