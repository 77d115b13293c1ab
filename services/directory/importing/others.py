"""Networks and organisations from a whole-directory JSON document (admins only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.directory.export import NETWORK_KEYS
from services.directory.importing.rows import Outcome, Row
from services.directory.store import (
    create_network,
    create_organisation,
    update_network,
    update_organisation,
)
from services.directory.validation import network_in, organisation_in
from shared.conn import Conn
from shared.errors import DomainError, FieldError, ValidationFailed
from shared.queries import Queries

ORGANISATION_KEYS = ("slug", "names", "country", "website")


async def apply_other(conn: Conn, q: Queries, row: Row, is_admin: bool) -> Outcome:
    """Create or update one network or organisation under its own savepoint."""
    if not is_admin:
        problem = FieldError("", "only admins import %(kind)ss", {"kind": row.kind})
        return Outcome(row, "rejected", errors=[problem])
    try:
        async with conn.transaction():
            status = await _write(conn, q, row)
    except ValidationFailed as exc:
        return Outcome(row, "rejected", errors=exc.errors)
    except (DomainError, asyncpg.IntegrityConstraintViolationError) as exc:
        message = exc.detail if isinstance(exc, DomainError) else "the database refused it"
        return Outcome(row, "rejected", errors=[FieldError("", message)])
    return Outcome(row, status)


async def _update_network(conn: Conn, q: Queries, current: asyncpg.Record, n: Any) -> None:
    await update_network(conn, q, current["slug"], n, None)


async def _update_organisation(conn: Conn, q: Queries, current: asyncpg.Record, o: Any) -> None:
    await update_organisation(conn, q, current["id"], o)


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of record is read, found, created and changed."""

    read: Callable[[dict[str, Any]], Any]
    keys: tuple[str, ...]
    get: str
    create: Callable[[Conn, Queries, Any], Awaitable[int]]
    update: Callable[[Conn, Queries, asyncpg.Record, Any], Awaitable[None]]


KINDS = {
    "network": Kind(network_in, NETWORK_KEYS, "get-network", create_network, _update_network),
    "organisation": Kind(
        organisation_in,
        ORGANISATION_KEYS,
        "get-organisation",
        create_organisation,
        _update_organisation,
    ),
}


async def _write(conn: Conn, q: Queries, row: Row) -> str:
    """Created, updated, or unchanged (the same as stored: not even a new revision)."""
    kind = KINDS[row.kind]
    given = {k: v for k, v in row.data.items() if k in kind.keys}
    slug = given.get("slug")
    current = await conn.fetchrow(q[kind.get], slug) if isinstance(slug, str) else None
    if current is None:
        await kind.create(conn, q, kind.read(given))
        return "created"
    stored = {k: current[k] for k in kind.keys}
    new = kind.read(_over(stored, given))
    if new == kind.read(stored):
        return "unchanged"
    await kind.update(conn, q, current, new)
    return "updated"


def _over(stored: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The stored record with the fields the row has; of its names, the languages it has."""
    merged = stored | given
    names, before = given.get("names"), stored.get("names")
    if isinstance(names, dict) and isinstance(before, dict):
        merged["names"] = {k: v for k, v in (before | names).items() if v}
    return merged
