"""Who is calling: anonymous, a person's API token, a person's read token, or a Kontakt service.

The directory knows accounts and tokens; every other service learns about a token by
introspection (RFC 7662). Both ends build the same `Caller` from the same introspection
document (`Caller.introspection()` and `Caller.from_introspection()`), so a caller means one
thing in every service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from shared.payloads import JSON, Introspection, IntrospectionDetails, Permission
from shared.validate import whole_number

PERMISSIONS: tuple[Permission, ...] = ("edit_contacts", "manage_lists", "send_campaigns")


class Kind(StrEnum):
    """The four kinds of caller."""

    ANONYMOUS = "anonymous"
    # A person's API token: acts within the account's permissions.
    API = "api"
    # A person's read token (a phone's CardDAV password): reads address books, nothing else.
    READ = "read"
    # The shared service credential: reads what services need, acts for nobody.
    SERVICE = "service"


def _empty_grants() -> Mapping[int, frozenset[str]]:
    return {}


def _empty_slugs() -> Mapping[int, str]:
    return {}


@dataclass(frozen=True, slots=True)
class Caller:
    """One caller: its kind, its account, and its permissions by network id (and slug).

    `grants` hold for the networks below a granted one too (the directory expands them).
    """

    kind: Kind
    account_id: int = 0
    email: str = ""
    name: str = ""
    is_admin: bool = False
    token_id: int = 0
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    grants: Mapping[int, frozenset[str]] = field(default_factory=_empty_grants)
    slugs: Mapping[int, str] = field(default_factory=_empty_slugs)

    @property
    def anonymous(self) -> bool:
        """No credential at all."""
        return self.kind is Kind.ANONYMOUS

    @property
    def person(self) -> bool:
        """An account's token (API or read)."""
        return self.kind in (Kind.API, Kind.READ)

    def can(self, permission: str, network_id: int) -> bool:
        """Whether this caller may act with `permission` on the network (API tokens only)."""
        if self.kind is not Kind.API:
            return False
        return self.is_admin or permission in self.grants.get(network_id, frozenset())

    def can_all(self, permission: str, network_ids: Iterable[int]) -> bool:
        """Whether `permission` holds on every one of the networks (and there is at least one)."""
        ids = list(network_ids)
        if self.kind is Kind.API and self.is_admin:
            return True
        return bool(ids) and all(self.can(permission, n) for n in ids)

    def may(self, permission: str, slug: str) -> bool:
        """`can`, for a network named by its slug (what services other than the directory know)."""
        if self.kind is not Kind.API:
            return False
        if self.is_admin:
            return True
        return any(
            s == slug and permission in self.grants.get(n, ()) for n, s in self.slugs.items()
        )

    def networks_with(self, permission: str) -> frozenset[str]:
        """Slugs of the networks where this caller may act with `permission` (API tokens only)."""
        if self.kind is not Kind.API:
            return frozenset()
        return frozenset(self.slugs[n] for n, p in self.grants.items() if permission in p)

    def readable_slugs(self) -> frozenset[str]:
        """Slugs of the networks where this caller holds any permission."""
        return frozenset(self.slugs[n] for n, p in self.grants.items() if p and n in self.slugs)

    def networks_json(self) -> dict[str, list[Permission]]:
        """Permissions by network slug, for introspection."""
        return {
            self.slugs[n]: [k for k in PERMISSIONS if k in p]
            for n, p in sorted(self.grants.items())
            if p
        }

    def introspection(self) -> Introspection:
        """This caller as an active RFC 7662 introspection answer (with Kontakt's details)."""
        details: IntrospectionDetails = {
            "account_id": self.account_id,
            "token_id": self.token_id,
            "email": self.email,
            "name": self.name,
            "is_admin": self.is_admin,
            "networks": self.networks_json(),
            "network_ids": {self.slugs[n]: n for n, p in sorted(self.grants.items()) if p},
        }
        body: Introspection = {
            "active": True,
            "sub": f"account:{self.account_id}",
            "username": self.email,
            "token_type": "api" if self.kind is Kind.API else "read",
            "kontakt": details,
        }
        if self.issued_at is not None:
            body["iat"] = int(self.issued_at.timestamp())
        if self.expires_at is not None:
            body["exp"] = int(self.expires_at.timestamp())
        return body

    @classmethod
    def from_introspection(cls, answer: Mapping[str, JSON]) -> Caller | None:
        """The caller an introspection answer describes; None when the token is not active.

        The answer is read field by field: what is missing or of another JSON type counts as
        absent (no permission, no account), never as an error.
        """
        if answer.get("active") is not True:
            return None
        token_type = answer.get("token_type")
        if token_type not in (Kind.API, Kind.READ):
            return None
        details = _object(answer.get("kontakt"))
        networks = _object(details.get("networks"))
        ids = {s: _whole(i) for s, i in _object(details.get("network_ids")).items() if _whole(i)}
        grants = {
            ids[s]: frozenset(p for p in permissions if p in PERMISSIONS)
            for s, permissions in networks.items()
            if s in ids and isinstance(permissions, list)
        }
        return cls(
            kind=Kind(token_type),
            account_id=_whole(details.get("account_id")),
            email=_text(details.get("email")),
            name=_text(details.get("name")),
            is_admin=details.get("is_admin") is True,
            token_id=_whole(details.get("token_id")),
            issued_at=_time(answer.get("iat")),
            expires_at=_time(answer.get("exp")),
            grants=grants,
            slugs={i: s for s, i in ids.items()},
        )


def _object(value: JSON) -> dict[str, JSON]:
    return value if isinstance(value, dict) else {}


def _whole(value: JSON) -> int:
    return whole_number(value) or 0


def _text(value: JSON) -> str:
    return value if isinstance(value, str) else ""


def _time(value: JSON) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


ANONYMOUS = Caller(Kind.ANONYMOUS)
SERVICE = Caller(Kind.SERVICE, email="service", name="Kontakt service")
