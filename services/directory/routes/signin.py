"""One-time sign-in links: the console asks for one by e-mail, trades it for a session token."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from aiohttp import web

from services.directory.auth import hash_token
from services.directory.keys import POOL, QUERIES, SETTINGS
from services.directory.token_records import issue_token, lifetime
from shared.errors import Forbidden, read_object
from shared.i18n import N_
from shared.validate import Fields

routes = web.RouteTableDef()

LINK_SECONDS = 15 * 60
# One link per account per minute, whoever asks: a stranger cannot flood a coordinator.
LINK_INTERVAL = 60


@routes.post("/v1/signin-links")
async def create_link(request: web.Request) -> web.Response:
    """For the console: a code for the account with this address, if there is one."""
    f = Fields(await read_object(request))
    f.unknown({"email"})
    email = f.text("email", required=True, max_length=254)
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        account = await conn.fetchrow(q["signin-account"], email, LINK_INTERVAL)
        if account is None or account["recent"]:
            # The console answers a visitor the same either way; only it learns which.
            return web.json_response({"status": "none"}, status=202)
        code = secrets.token_urlsafe(32)
        await conn.execute(q["insert-signin-link"], account["id"], hash_token(code), LINK_SECONDS)
    body = {
        "status": "created",
        "code": code,
        "email": account["email"],
        "name": account["name"],
        "expires_in": LINK_SECONDS,
    }
    return web.json_response(body, status=201, headers={"Cache-Control": "no-store"})


@routes.post("/v1/signin-links/redeem")
async def redeem_link(request: web.Request) -> web.Response:
    """For the console: spend a code once, for a token that ends with the console session."""
    f = Fields(await read_object(request))
    f.unknown({"code"})
    code = f.text("code", required=True, max_length=100)
    f.done()
    assert code is not None
    settings = request.app[SETTINGS]
    expires = lifetime(settings, kind="api", days=None, session=True, maker_expires=None)
    assert expires is not None
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        account_id = await conn.fetchval(q["spend-signin-link"], hash_token(code))
        if account_id is None:
            raise Forbidden("This sign-in link has expired or was already used.")
        token, row = await issue_token(
            conn,
            q,
            account_id,
            kind="api",
            # Named in English, shown translated: the console reads it as a msgid.
            name=N_("console sign-in link"),
            expires_at=expires,
            session=True,
        )
    body = {
        "token": token,
        "token_id": row["id"],
        "account_id": account_id,
        "expires_at": expires.isoformat(),
        "expires_in": int((expires - datetime.now(UTC)).total_seconds()),
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})
