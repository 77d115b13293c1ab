"""Accounts, their per-network permissions, API and read tokens, and token introspection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web
from email_validator import EmailNotValidError, validate_email

from services.directory.auth import load_caller, new_token
from services.directory.keys import POOL, QUERIES
from services.directory.store import network_ids
from shared.conn import Conn
from shared.errors import (
    FORM_TYPES,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
    read_form,
    read_object,
)
from shared.identity import PERMISSIONS, Caller, identify
from shared.queries import Queries
from shared.validate import Fields

routes = web.RouteTableDef()

MAX_TOKEN_DAYS = 3650


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def account_json(row: asyncpg.Record) -> dict[str, Any]:
    """An account with its permissions."""
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "is_admin": row["is_admin"],
        "disabled": row["disabled"],
        "permissions": row["permissions"],
        "created_at": _ts(row["created_at"]),
        "updated_at": _ts(row["updated_at"]),
    }


def token_json(row: asyncpg.Record) -> dict[str, Any]:
    """A token's metadata; the token itself is never stored, so never shown again."""
    return {
        "id": row["id"],
        "account_id": row["account_id"],
        "account_email": row["account_email"],
        "kind": row["kind"],
        "name": row["name"],
        "prefix": row["prefix"],
        "created_at": _ts(row["created_at"]),
        "expires_at": _ts(row["expires_at"]),
        "revoked_at": _ts(row["revoked_at"]),
        "last_used_at": _ts(row["last_used_at"]),
    }


def _permissions(f: Fields) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for index, item in enumerate(f.items("permissions", max_items=200)):
        name = f"permissions[{index}]"
        if not isinstance(item, dict):
            f.fail(name, 'must be {"network": …, "edit_contacts": true, …}')
            continue
        inner = Fields(item, prefix=f"{f.path(name)}.")
        inner.unknown({"network", *PERMISSIONS})
        entry: dict[str, Any] = {"network": inner.slug("network", required=True)}
        for perm in PERMISSIONS:
            entry[perm] = bool(inner.boolean(perm, False))
        f.errors.extend(inner.errors)
        if any(e["network"] == entry["network"] for e in result):
            f.fail(f"{name}.network", "is listed twice")
        result.append(entry)
    return result


async def write_permissions(
    conn: Conn, q: Queries, account_id: int, permissions: list[dict[str, Any]]
) -> None:
    """Replace an account's permissions."""
    slugs = [p["network"] for p in permissions]
    ids = await network_ids(conn, q, slugs, field="permissions[{i}].network")
    await conn.execute(q["clear-permissions"], account_id)
    if permissions:
        await conn.execute(
            q["insert-permissions"],
            account_id,
            [ids[s] for s in slugs],
            *([p[perm] for p in permissions] for perm in PERMISSIONS),
        )


async def _account(conn: Conn, q: Queries, account_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(q["list-accounts"], account_id)
    if row is None:
        raise NotFound(f"No account {account_id}.")
    return account_json(row)


def _account_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or int(raw) > 2**62:
        raise NotFound(f"No account {raw!r}.")
    return int(raw)


def _self_or_admin(caller: Caller, account_id: int) -> None:
    if not caller.is_admin and caller.account_id != account_id:
        raise Forbidden("You may see and manage only your own account.")


@routes.get("/v1/me")
async def me(request: web.Request) -> web.Response:
    """The caller's account and the token they used."""
    caller = await identify(request)
    async with request.app[POOL].acquire() as conn:
        body = await _account(conn, request.app[QUERIES], caller.account_id)
    body["token"] = {
        "id": caller.token_id,
        "kind": caller.kind,
        "expires_at": _ts(caller.expires_at),
    }
    return web.json_response(body)


@routes.get("/v1/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    """Every account (admins)."""
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(request.app[QUERIES]["list-accounts"], None)
    return web.json_response({"items": [account_json(r) for r in rows]})


@routes.post("/v1/accounts")
async def create_account(request: web.Request) -> web.Response:
    """Create an account with permissions (admins)."""
    body = await read_object(request)
    f = Fields(body)
    f.unknown({"email", "name", "is_admin", "permissions"})
    raw_email = f.text("email", required=True, max_length=254)
    email = None
    if raw_email:
        try:
            email = validate_email(raw_email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            f.fail("email", str(exc))
    name = f.text("name", default="", max_length=200) or ""
    is_admin = bool(f.boolean("is_admin", False))
    permissions = _permissions(f)
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(q["account-by-email"], email):
            raise Conflict(f"An account for {email} already exists.")
        account_id = await conn.fetchval(q["insert-account"], email, name, is_admin)
        await write_permissions(conn, q, account_id, permissions)
        result = await _account(conn, q, account_id)
    return web.json_response(result, status=201)


@routes.get("/v1/accounts/{id}")
async def get_account(request: web.Request) -> web.Response:
    """One account (admins, or the account itself)."""
    caller = await identify(request)
    account_id = _account_id(request)
    _self_or_admin(caller, account_id)
    async with request.app[POOL].acquire() as conn:
        return web.json_response(await _account(conn, request.app[QUERIES], account_id))


@routes.patch("/v1/accounts/{id}")
async def patch_account(request: web.Request) -> web.Response:
    """Change an account's name, admin flag, disabled flag or permissions (admins)."""
    caller = await identify(request)
    account_id = _account_id(request)
    body = await read_object(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await _account(conn, q, account_id)
        f = Fields(body)
        f.unknown({"name", "is_admin", "disabled", "permissions"})
        name = f.text("name", default=current["name"], allow_empty=True, max_length=200)
        is_admin = f.boolean("is_admin", current["is_admin"])
        disabled = f.boolean("disabled", current["disabled"])
        permissions = _permissions(f) if f.has("permissions") else None
        if account_id == caller.account_id and (disabled or not is_admin):
            f.fail("is_admin" if not is_admin else "disabled", "you cannot lock yourself out")
        f.done()
        await conn.execute(q["update-account"], account_id, name or "", is_admin, disabled)
        if permissions is not None:
            await write_permissions(conn, q, account_id, permissions)
        result = await _account(conn, q, account_id)
    return web.json_response(result)


@routes.post("/v1/accounts/{id}/tokens")
async def create_token(request: web.Request) -> web.Response:
    """Issue a token for an account; the token is in this answer and nowhere else, ever."""
    caller = await identify(request)
    account_id = _account_id(request)
    _self_or_admin(caller, account_id)
    body = await read_object(request)
    f = Fields(body)
    f.unknown({"name", "kind", "expires_in_days"})
    name = f.text("name", default="", max_length=100) or ""
    kind = f.choice("kind", ("api", "read"), default="api") or "api"
    days = f.integer("expires_in_days", low=1, high=MAX_TOKEN_DAYS)
    if kind == "read" and days is None:
        days = 365  # read tokens live on phones; they must expire
    f.done()
    expires_at = datetime.now(UTC) + timedelta(days=days) if days else None
    token, prefix, digest = new_token()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await _account(conn, q, account_id)
        row = await conn.fetchrow(
            q["insert-token"], account_id, kind, name, prefix, digest, expires_at
        )
        assert row is not None
        listed = [r for r in await conn.fetch(q["list-tokens"], account_id) if r["id"] == row["id"]]
    body = token_json(listed[0]) | {"token": token}
    return web.json_response(body, status=201, headers={"Cache-Control": "no-store"})


@routes.get("/v1/accounts/{id}/tokens")
async def list_tokens(request: web.Request) -> web.Response:
    """An account's tokens, without the secrets."""
    caller = await identify(request)
    account_id = _account_id(request)
    _self_or_admin(caller, account_id)
    async with request.app[POOL].acquire() as conn:
        await _account(conn, request.app[QUERIES], account_id)
        rows = await conn.fetch(request.app[QUERIES]["list-tokens"], account_id)
    return web.json_response({"items": [token_json(r) for r in rows]})


@routes.delete("/v1/tokens/{id}")
async def revoke_token(request: web.Request) -> web.Response:
    """Revoke a token (admins, or the owner); revoking twice is harmless."""
    caller = await identify(request)
    raw = request.match_info["id"]
    if not raw.isdigit() or int(raw) > 2**62:
        raise NotFound(f"No token {raw!r}.")
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q["get-token"], int(raw))
        if row is None or not (caller.is_admin or row["account_id"] == caller.account_id):
            raise NotFound(f"No token {raw}.")
        await conn.execute(q["revoke-token"], int(raw))
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
        found.introspection(), headers={"Cache-Control": "no-store"}, dumps=_dumps
    )


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)
