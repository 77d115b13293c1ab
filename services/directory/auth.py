"""The directory's side of identity: tokens are made, hashed and looked up here."""

from __future__ import annotations

import hashlib
import secrets

from aiohttp import web

from services.directory.keys import POOL, QUERIES, SETTINGS
from shared.conn import Conn
from shared.identity import PERMISSIONS, Caller, Identity, Kind, identify
from shared.queries import Queries

TOKEN_PREFIX = "kt_"  # noqa: S105 (a marker, not a secret)


def hash_token(token: str) -> bytes:
    """SHA-256 of a token: tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def new_token() -> tuple[str, str, bytes]:
    """A fresh token, its displayable prefix, and its hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[:10], hash_token(token)


async def load_caller(conn: Conn, queries: Queries, token: str) -> Caller | None:
    """The caller behind a token, or None when it is unknown, revoked or expired."""
    row = await conn.fetchrow(queries["token-principal"], hash_token(token))
    if row is None:
        return None
    await conn.execute(queries["touch-token"], row["token_id"])
    grants: dict[int, frozenset[str]] = {}
    slugs: dict[int, str] = {}
    for perm in await conn.fetch(queries["account-permissions"], row["account_id"]):
        grants[perm["network_id"]] = frozenset(p for p in PERMISSIONS if perm[p])
        slugs[perm["network_id"]] = perm["slug"]
    return Caller(
        kind=Kind(row["kind"]),
        account_id=row["account_id"],
        email=row["email"],
        name=row["name"],
        is_admin=row["is_admin"],
        token_id=row["token_id"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        grants=grants,
        slugs=slugs,
    )


def directory_identity(app: web.Application) -> Identity:
    """Tokens looked up in the directory's own tables, every time (a revocation holds at once)."""

    async def lookup(token: str) -> Caller | None:
        async with app[POOL].acquire() as conn:
            return await load_caller(conn, app[QUERIES], token)

    return Identity(lookup, app[SETTINGS].service_token)


async def principal(request: web.Request) -> Caller | None:
    """The caller, or None when anonymous; a token that does not work is a 401, not anonymity."""
    found = await identify(request)
    return None if found.anonymous else found
