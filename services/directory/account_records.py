"""Accounts as JSON and in the database, with their per-network permissions."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.directory.store import network_ids
from shared.conn import Conn
from shared.errors import (
    Forbidden,
    NotFound,
)
from shared.i18n import N_
from shared.identity import PERMISSIONS, Caller
from shared.payloads import Account, Grant
from shared.queries import Queries
from shared.validate import Fields


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


def permissions_in(f: Fields) -> list[Grant]:
    """The `permissions` field: one grant per network, each network once (errors into `f`)."""
    result: list[Grant] = []
    for index, item in enumerate(f.items("permissions", max_items=200)):
        name = f"permissions[{index}]"
        shape = N_('must be {"network": …, "edit_contacts": true, …}')
        inner = f.entry("permissions", index, item, shape=shape, known={"network", *PERMISSIONS})
        if inner is None:
            continue
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
