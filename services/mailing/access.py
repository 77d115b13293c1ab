"""Coordinators, as the directory knows them: who may manage which network's lists."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from services.mailing.keys import DIRECTORY
from shared.errors import Forbidden, Unauthenticated


@dataclass(frozen=True, slots=True)
class Coordinator:
    """An authenticated caller and the networks where they hold each permission."""

    account_id: int
    is_admin: bool
    networks: dict[str, list[str]]
    token_type: str

    def may(self, permission: str, network: str) -> bool:
        """Whether this caller holds `permission` on `network` (admins hold all)."""
        return self.is_admin or permission in self.networks.get(network, [])


async def coordinator(request: web.Request) -> Coordinator:
    """The caller, from a bearer token the directory vouches for; 401 otherwise."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("This needs an API token: Authorization: Bearer <token>.")
    answer = await request.app[DIRECTORY].introspect(token.strip())
    if not answer.get("active"):
        raise Unauthenticated("The bearer token is unknown, revoked or expired.")
    details = answer.get("kontakt", {})
    return Coordinator(
        account_id=int(details.get("account_id", 0)),
        is_admin=bool(details.get("is_admin")),
        networks=dict(details.get("networks", {})),
        token_type=str(answer.get("token_type", "api")),
    )


def require(caller: Coordinator, permission: str, network: str, *, write: bool = True) -> None:
    """403 unless the caller holds `permission` on `network` (and may write at all)."""
    if write and caller.token_type != "api":  # noqa: S105 (a kind of token, not a secret)
        raise Forbidden("A read token cannot change anything.")
    if not caller.may(permission, network):
        raise Forbidden("You may manage only the lists of your own networks.")
