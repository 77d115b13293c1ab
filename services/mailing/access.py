"""Coordinators, as the directory vouches for them: who may manage which network's lists."""

from __future__ import annotations

from shared.errors import Forbidden
from shared.identity import Caller


def require(caller: Caller, permission: str, network: str) -> None:
    """403 unless the caller holds `permission` on `network` (the route admitted its kind)."""
    if not caller.may(permission, network):
        raise Forbidden("You may manage only the lists of your own networks.")


def actor(caller: Caller) -> str:
    """Who acted, as the records keep it: `account:7 madis@example.ee`."""
    return f"account:{caller.account_id} {caller.email}".strip()
