"""Accounts and their per-network permissions (their tokens: `tokens.py`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from aiohttp import web
from email_validator import EmailNotValidError

from services.directory.keys import POOL, QUERIES
from services.directory.store import network_ids
from shared.addresses import normalize_address
from shared.conn import Conn
from shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    read_object,
)
from shared.identity import PERMISSIONS, Caller, identify
from shared.payloads import Account, Grant
from shared.queries import Queries
from shared.validate import Fields, path_id

routes = web.RouteTableDef()


def iso(value: datetime | None) -> str | None:
    """A timestamp as RFC 3339 text, or None."""
    return value.isoformat() if value else None


def account_json(row: asyncpg.Record) -> Account:
    """An account with its permissions."""
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "is_admin": row["is_admin"],
        "disabled": row["disabled"],
        "permissions": row["permissions"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def _permissions(f: Fields) -> list[Grant]:
    result: list[Grant] = []
    for index, item in enumerate(f.items("permissions", max_items=200)):
        name = f"permissions[{index}]"
        if not isinstance(item, dict):
            f.fail(name, 'must be {"network": …, "edit_contacts": true, …}')
            continue
        inner = Fields(item, prefix=f"{f.path(name)}.")
        inner.unknown({"network", *PERMISSIONS})
        entry: Grant = {
            "network": inner.slug("network", required=True) or "",
            "edit_contacts": bool(inner.boolean("edit_contacts", False)),
            "manage_lists": bool(inner.boolean("manage_lists", False)),
            "send_campaigns": bool(inner.boolean("send_campaigns", False)),
        }
        f.errors.extend(inner.errors)
        if any(e["network"] == entry["network"] for e in result):
            f.fail(f"{name}.network", "is listed twice")
        result.append(entry)
    return result


async def write_permissions(
    conn: Conn, q: Queries, account_id: int, permissions: list[Grant]
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


async def account_row(conn: Conn, q: Queries, account_id: int) -> Account:
    """One account as JSON; 404 when there is none."""
    row = await conn.fetchrow(q["list-accounts"], account_id)
    if row is None:
        raise NotFound("No account %(account_id)s.", values={"account_id": account_id})
    return account_json(row)


def self_or_admin(caller: Caller, account_id: int) -> None:
    """403 unless the caller is the account itself or an admin."""
    if not caller.is_admin and caller.account_id != account_id:
        raise Forbidden("You may see and manage only your own account.")


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
            email = normalize_address(raw_email)
        except EmailNotValidError as exc:
            f.refused_address("email", exc)
    name = f.text("name", default="", max_length=200) or ""
    is_admin = bool(f.boolean("is_admin", False))
    permissions = _permissions(f)
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(q["account-by-email"], email):
            raise Conflict("An account for %(email)s already exists.", values={"email": email})
        account_id = await conn.fetchval(q["insert-account"], email, name, is_admin)
        await write_permissions(conn, q, account_id, permissions)
        result = await account_row(conn, q, account_id)
    return web.json_response(result, status=201)


@routes.get("/v1/accounts/{id}")
async def get_account(request: web.Request) -> web.Response:
    """One account (admins, or the account itself)."""
    caller = await identify(request)
    account_id = path_id(request, "account")
    self_or_admin(caller, account_id)
    async with request.app[POOL].acquire() as conn:
        return web.json_response(await account_row(conn, request.app[QUERIES], account_id))


@routes.patch("/v1/accounts/{id}")
async def patch_account(request: web.Request) -> web.Response:
    """Change an account's name, admin flag, disabled flag or permissions (admins)."""
    caller = await identify(request)
    account_id = path_id(request, "account")
    body = await read_object(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await account_row(conn, q, account_id)
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
        result = await account_row(conn, q, account_id)
    return web.json_response(result)
