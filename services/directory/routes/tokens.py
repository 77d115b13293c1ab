"""API, read and session tokens: issued once, listed with their last use, revoked, introspected."""

from __future__ import annotations

import json
from collections.abc import Mapping

import asyncpg
from aiohttp import web

from services.directory.account_records import account_row, iso, self_or_admin
from services.directory.auth import load_caller
from services.directory.keys import POOL, QUERIES, SETTINGS
from services.directory.token_records import (
    MAX_TOKEN_DAYS,
    expiring_tokens,
    issue_token,
    lifetime,
    token_json,
)
from shared.errors import (
    FORM_TYPES,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
    read_form,
    read_object,
)
from shared.identity import identify
from shared.payloads import JSON
from shared.validate import Fields, path_id

routes = web.RouteTableDef()


@routes.get("/v1/me")
async def me(request: web.Request) -> web.Response:
    """The caller's account, the token they used, and their tokens that expire soon."""
    caller = await identify(request)
    q = request.app[QUERIES]
    warn = request.app[SETTINGS].token_warn_days
    async with request.app[POOL].acquire() as conn:
        body = await account_row(conn, q, caller.account_id)
        body["expiring_tokens"] = await expiring_tokens(conn, q, caller.account_id, warn)
    body["token"] = {
        "id": caller.token_id,
        "kind": caller.kind,
        "expires_at": iso(caller.expires_at),
    }
    return web.json_response(body)


@routes.post("/v1/accounts/{id}/tokens")
async def create_token(request: web.Request) -> web.Response:
    """Issue a token for an account; the token is in this answer and nowhere else, ever."""
    caller = await identify(request)
    account_id = path_id(request, "account")
    self_or_admin(caller, account_id)
    f = Fields(await read_object(request))
    f.unknown({"name", "kind", "expires_in_days", "session"})
    name = f.text("name", default="", max_length=100) or ""
    kind = f.choice("kind", ("api", "read"), default="api") or "api"
    days = f.integer("expires_in_days", low=1, high=MAX_TOKEN_DAYS)
    session = bool(f.boolean("session", False))
    if session and kind != "api":
        f.fail("session", "a console session's token is an API token")
    f.done()
    if session and account_id != caller.account_id:
        raise Forbidden("A console session is made only for one's own account.")
    settings = request.app[SETTINGS]
    expires_at = lifetime(
        settings, kind=kind, days=days, session=session, maker_expires=caller.expires_at
    )
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await account_row(conn, q, account_id)
        token, row = await issue_token(
            conn,
            q,
            account_id,
            kind=kind,
            name=name,
            expires_at=expires_at,
            session=session,
            parent=caller.token_id,
        )
    body = token_json(row, settings.token_warn_days)
    body["token"] = token
    return web.json_response(body, status=201, headers={"Cache-Control": "no-store"})


# Tokens a page lists unless `limit` says otherwise, and at most (as the accounts' pages).
TOKENS_PAGE = 100
MAX_TOKENS_PAGE = 500


def _paging(f: Fields) -> tuple[int, int, bool]:
    """`after`, `limit` and `live` from the query string (422 naming the field)."""
    after = f.whole("after", low=0, high=2**63 - 1, default=0)
    limit = f.whole("limit", low=1, high=MAX_TOKENS_PAGE, default=TOKENS_PAGE)
    live = f.choice("live", ("true", "false"), default="false") == "true"
    assert after is not None
    assert limit is not None
    return after, limit, live


def _page(request: web.Request, rows: list[asyncpg.Record], limit: int) -> web.Response:
    """The first `limit` rows, and the link to the page after them when there are more."""
    warn = request.app[SETTINGS].token_warn_days
    page = rows[:limit]
    following = None
    if len(rows) > limit:
        following = str(request.rel_url.update_query(after=page[-1]["id"]))
    return web.json_response({"items": [token_json(r, warn) for r in page], "next": following})


@routes.get("/v1/accounts/{id}/tokens")
async def list_tokens(request: web.Request) -> web.Response:
    """An account's tokens by id, a page at a time (`?live=true`: usable ones only)."""
    caller = await identify(request)
    account_id = path_id(request, "account")
    self_or_admin(caller, account_id)
    f = Fields(dict(request.query))
    after, limit, live = _paging(f)
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        await account_row(conn, q, account_id)
        rows = await conn.fetch(q["page-account-tokens"], account_id, after, live, limit + 1)
    return _page(request, rows, limit)


# `?account=` at most this often (a page of the console's accounts list is 50).
MAX_ACCOUNTS = 200
# `?per_account=` at most: the console shows a few per account and links to the rest.
MAX_PER_ACCOUNT = 100


@routes.get("/v1/tokens")
async def list_all_tokens(request: web.Request) -> web.Response:
    """The tokens of the accounts `?account=` names (repeated), or of every account (admins),
    by id a page at a time; `?per_account=` keeps each named account's first few."""
    given = request.query.getall("account", [])
    if len(given) > MAX_ACCOUNTS:
        raise ValidationFailed(
            [FieldError("account", "at most %(value)s at once", {"value": MAX_ACCOUNTS})]
        )
    if not all(v.isascii() and v.isdigit() and len(v) <= 18 for v in given):
        raise ValidationFailed([FieldError("account", "must be a whole number")])
    ids = [int(v) for v in given]
    f = Fields({k: v for k, v in request.query.items() if k != "account"})
    after, limit, live = _paging(f)
    each = f.whole("per_account", low=1, high=MAX_PER_ACCOUNT)
    if each is not None and not given:
        # Each of every account's first tokens would be read for every page.
        f.fail("per_account", "only with the accounts named (`account`)")
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        if each is None:
            rows = await conn.fetch(
                q["page-tokens"], ids if given else None, live, after, limit + 1
            )
        else:
            rows = await conn.fetch(q["first-tokens"], ids, live, each, after, limit + 1)
    return _page(request, rows, limit)


@routes.delete("/v1/tokens/{id}")
async def revoke_token(request: web.Request) -> web.Response:
    """Revoke a token (admins, or the owner); revoking twice is harmless."""
    caller = await identify(request)
    token_id = path_id(request, "token")
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q["get-token"], token_id)
        if row is None or not (caller.is_admin or row["account_id"] == caller.account_id):
            raise NotFound("No token %(token_id)s.", values={"token_id": token_id})
        await conn.execute(q["revoke-token"], token_id)
    return web.Response(status=204)


@routes.post("/v1/introspect")
async def introspect(request: web.Request) -> web.Response:
    """RFC 7662 token introspection, for Kontakt services holding the service credential."""
    form = request.content_type in FORM_TYPES
    body: Mapping[str, JSON] = await (read_form(request) if form else read_object(request))
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise ValidationFailed([FieldError("token", "is required")])
    async with request.app[POOL].acquire() as conn:
        found = await load_caller(conn, request.app[QUERIES], token)
    if found is None:
        return web.json_response({"active": False}, headers={"Cache-Control": "no-store"})
    return web.json_response(
        found.introspection(),
        headers={"Cache-Control": "no-store"},
        dumps=lambda d: json.dumps(d, ensure_ascii=False),
    )
