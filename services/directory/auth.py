"""Who is calling: bearer tokens, accounts, per-network permissions, the service credential."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from services.directory.keys import POOL, QUERIES, SETTINGS
from shared.conn import Conn
from shared.errors import Forbidden, Unauthenticated
from shared.queries import Queries

PERMISSIONS = ("edit_contacts", "manage_lists", "send_campaigns")
TOKEN_PREFIX = "kt_"  # noqa: S105 (a marker, not a secret)
_PRINCIPAL = web.RequestKey("principal", object)


def hash_token(token: str) -> bytes:
    """SHA-256 of a token: tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def new_token() -> tuple[str, str, bytes]:
    """A fresh token, its displayable prefix, and its hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[:10], hash_token(token)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated account, as seen through one token."""

    account_id: int
    email: str
    name: str
    is_admin: bool
    token_id: int
    kind: str
    issued_at: datetime
    expires_at: datetime | None
    grants: dict[int, frozenset[str]] = field(default_factory=dict)
    slugs: dict[int, str] = field(default_factory=dict)

    def can(self, permission: str, network_id: int) -> bool:
        """Whether this principal holds `permission` on the network (or above it)."""
        return self.is_admin or permission in self.grants.get(network_id, frozenset())

    def can_all(self, permission: str, network_ids: Iterable[int]) -> bool:
        """Whether `permission` holds on every one of the networks (and there is at least one)."""
        ids = list(network_ids)
        if self.is_admin:
            return True
        return bool(ids) and all(self.can(permission, n) for n in ids)

    def entitled_to_emails(self, network_ids: Iterable[int]) -> bool:
        """Admins, accounts with a permission on one of the contact's networks, and services."""
        # A Kontakt service reads addresses to serve entitled callers and answers for the
        # rule itself (see the vcard service); it can change nothing.
        return (
            self.is_admin or self.kind == "service" or any(self.grants.get(n) for n in network_ids)
        )

    def networks_json(self) -> dict[str, list[str]]:
        """Permissions by network slug, for introspection."""
        return {self.slugs[n]: sorted(p) for n, p in sorted(self.grants.items()) if p}


async def load_principal(conn: Conn, queries: Queries, token: str) -> Principal | None:
    """The principal behind a token, or None when it is unknown, revoked or expired."""
    row = await conn.fetchrow(queries["token-principal"], hash_token(token))
    if row is None:
        return None
    await conn.execute(queries["touch-token"], row["token_id"])
    grants: dict[int, frozenset[str]] = {}
    slugs: dict[int, str] = {}
    for perm in await conn.fetch(queries["account-permissions"], row["account_id"]):
        grants[perm["network_id"]] = frozenset(p for p in PERMISSIONS if perm[p])
        slugs[perm["network_id"]] = perm["slug"]
    return Principal(
        account_id=row["account_id"],
        email=row["email"],
        name=row["name"],
        is_admin=row["is_admin"],
        token_id=row["token_id"],
        kind=row["kind"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        grants=grants,
        slugs=slugs,
    )


SERVICE = Principal(
    account_id=0,
    email="service",
    name="Kontakt service",
    is_admin=False,
    token_id=0,
    kind="service",
    issued_at=datetime.fromtimestamp(0, UTC),
    expires_at=None,
)


def bearer(request: web.Request) -> str | None:
    """The bearer token of the request, if it sends one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def principal(request: web.Request) -> Principal | None:
    """The caller, or None when anonymous; a token that does not work is a 401, not anonymity."""
    if _PRINCIPAL in request:
        cached = request[_PRINCIPAL]
        return cached if isinstance(cached, Principal) else None
    token = bearer(request)
    found = None
    service_token = request.app[SETTINGS].service_token
    if token is not None and service_token and hmac.compare_digest(token, service_token):
        found = SERVICE
    elif token is not None:
        async with request.app[POOL].acquire() as conn:
            found = await load_principal(conn, request.app[QUERIES], token)
        if found is None:
            raise Unauthenticated("The bearer token is unknown, revoked or expired.")
    request[_PRINCIPAL] = found
    return found


async def require(request: web.Request) -> Principal:
    """The caller, who must be authenticated."""
    found = await principal(request)
    if found is None:
        raise Unauthenticated("This needs an API token: Authorization: Bearer <token>.")
    return found


async def require_writer(request: web.Request) -> Principal:
    """The caller, who must hold an API token (read tokens change nothing)."""
    found = await require(request)
    if found.kind != "api":
        raise Forbidden("A read token cannot change anything.")
    return found


async def require_admin(request: web.Request) -> Principal:
    """The caller, who must be an admin."""
    found = await require_writer(request)
    if not found.is_admin:
        raise Forbidden("Only an admin may do this.")
    return found


def require_service(request: web.Request) -> None:
    """Only another Kontakt service, presenting the shared service credential, gets past."""
    expected = request.app[SETTINGS].service_token
    given = bearer(request)
    if not expected or given is None or not hmac.compare_digest(given, expected):
        raise Unauthenticated(
            "This endpoint is for Kontakt services and needs the service credential."
        )
