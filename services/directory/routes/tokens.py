"""API, read and session tokens: issued once, listed with their last use, revoked, introspected."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg
from aiohttp import web

from services.directory.auth import load_caller, new_token
from services.directory.keys import POOL, QUERIES, SETTINGS
from services.directory.routes.accounts import account_row, iso, self_or_admin
from shared.conn import Conn
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
from shared.payloads import Token
from shared.queries import Queries
from shared.settings import Settings
from shared.validate import Fields, path_id

routes = web.RouteTableDef()

MAX_TOKEN_DAYS = 3650


def expires_soon(row: asyncpg.Record, warn_days: int) -> bool:
    """Whether a working token (not a console session's) ends within `warn_days` days.

    Its owner is warned (listings, `/v1/me`, the console, `kontakt tokens list`) so they make
    a new one before their phone stops syncing.
    """
    now = datetime.now(UTC)
    expires_at: datetime | None = row["expires_at"]
    return (
        expires_at is not None
        and row["revoked_at"] is None
        and not row["session"]
        and now < expires_at <= now + timedelta(days=warn_days)
    )


def token_json(row: asyncpg.Record, warn_days: int) -> Token:
    """A token's metadata; the token itself is never stored, so never shown again."""
    expires_at: datetime | None = row["expires_at"]
    soon = expires_soon(row, warn_days)
    return {
        "id": row["id"],
        "account_id": row["account_id"],
        "account_email": row["account_email"],
        "kind": row["kind"],
        "name": row["name"],
        "prefix": row["prefix"],
        "session": row["session"],
        "created_at": row["created_at"].isoformat(),
        "expires_at": iso(expires_at),
        "expires_soon": soon,
        "revoked_at": iso(row["revoked_at"]),
        "last_used_at": iso(row["last_used_at"]),
    }


def lifetime(
    settings: Settings,
    *,
    kind: str,
    days: int | None,
    session: bool,
    maker_expires: datetime | None,
) -> datetime | None:
    """When a new token expires: as asked, within the limits; none of them means never.

    The limits: a console session's length, the operator's longest life of a read token
    (`KONTAKT_READ_TOKEN_DAYS`), and the expiry of the token that makes it, which it may
    never outlive. Asking for longer is a 422 naming `expires_in_days`.
    """
    now = datetime.now(UTC)
    limits: list[tuple[datetime, str]] = []
    if session:
        limits.append((now + timedelta(hours=settings.console_session_hours), "a session's"))
    if kind == "read" and settings.read_token_days:
        limits.append((now + timedelta(days=settings.read_token_days), "a read token's"))
    if maker_expires is not None:
        limits.append((maker_expires, "the token that makes it,"))
    ceiling = min(limits) if limits else None
    asked = now + timedelta(days=days) if days else None
    if asked is not None and ceiling is not None and asked > ceiling[0]:
        raise ValidationFailed(
            [
                FieldError(
                    "expires_in_days",
                    "a token may not outlive %(ceiling)s end (%(value)s)",
                    {"ceiling": ceiling[1], "value": ceiling[0].isoformat()},
                )
            ]
        )
    return asked or (ceiling[0] if ceiling else None)


async def issue_token(
    conn: Conn,
    q: Queries,
    account_id: int,
    *,
    kind: str,
    name: str,
    expires_at: datetime | None,
    session: bool = False,
    parent: int | None = None,
) -> tuple[str, asyncpg.Record]:
    """A new token for the account (in the caller's transaction), and its listed row.

    `parent` is the token that makes it: revoking that revokes this one too when either is
    a console session's.
    """
    token, prefix, digest = new_token()
    row = await conn.fetchrow(q["insert-token"], account_id, kind, name, prefix, digest, expires_at)
    assert row is not None
    if session or parent is not None:
        await conn.execute(q["set-token-origin"], row["id"], session, parent)
    listed = [r for r in await conn.fetch(q["list-tokens"], account_id) if r["id"] == row["id"]]
    return token, listed[0]


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


@routes.get("/v1/accounts/{id}/tokens")
async def list_tokens(request: web.Request) -> web.Response:
    """An account's tokens with their last use and expiry, without the secrets."""
    caller = await identify(request)
    account_id = path_id(request, "account")
    self_or_admin(caller, account_id)
    warn = request.app[SETTINGS].token_warn_days
    async with request.app[POOL].acquire() as conn:
        await account_row(conn, request.app[QUERIES], account_id)
        rows = await conn.fetch(request.app[QUERIES]["list-tokens"], account_id)
    return web.json_response({"items": [token_json(r, warn) for r in rows]})


async def expiring_tokens(conn: Conn, q: Queries, account_id: int, warn_days: int) -> list[Token]:
    """The account's working tokens that expire within `warn_days` (for /v1/me), soonest first."""
    rows = [r for r in await conn.fetch(q["list-tokens"], account_id) if expires_soon(r, warn_days)]
    rows.sort(key=lambda r: r["expires_at"])
    return [token_json(r, warn_days) for r in rows]


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
    if request.content_type in FORM_TYPES:
        token = (await read_form(request)).get("token")
    else:
        token = (await read_object(request)).get("token")
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
