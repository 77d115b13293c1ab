"""The one visibility rule of Kontakt, applied by the directory to every answer it gives.

A network is visible to a caller when it and every network above it are public (the SQL view
`directory.network_lineage` calls it open), when the caller holds a permission on it (a
permission holds for the networks below too), or when the caller is an admin
(`directory.sees`). A contact is visible when at least one of its networks is. Its e-mail
addresses go only to an admin or to a caller holding a permission on one of its networks.

Other services never apply the rule themselves: the vcard and mailing services ask the
directory with their caller's own token (or, for an anonymous caller, the service
credential, which sees what anyone sees) and pass on only what it answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from shared.conn import Conn
from shared.payloads import Membership
from shared.queries import Queries


class Reader(Protocol):
    """What the rule needs to know about a caller (an API or read token, or the service)."""

    @property
    def is_admin(self) -> bool:
        """An admin sees every network."""

    @property
    def grants(self) -> Mapping[int, frozenset[str]]:
        """Permissions by network id, already extended to the networks below."""


@dataclass(frozen=True, slots=True)
class Sight:
    """What one caller may see: networks by id and by slug, and whose addresses."""

    networks: frozenset[int]
    slugs: frozenset[str]
    admin: bool = False
    granted: frozenset[int] = frozenset()

    def network(self, network_id: int) -> bool:
        """Whether the caller sees this network."""
        return network_id in self.networks

    def contact(self, network_ids: Iterable[int]) -> bool:
        """Whether the caller sees a contact in these networks (at least one must be visible).

        An admin sees every contact, one in no network at all too.
        """
        return self.admin or any(n in self.networks for n in network_ids)

    def within(self, scope: Iterable[int]) -> list[int]:
        """The visible networks of a subtree walk: what listings, widgets and books read."""
        return [n for n in scope if n in self.networks]

    def memberships(self, networks: Sequence[Membership]) -> list[Membership]:
        """A contact's memberships (`{"network": slug, ...}`) in the networks the caller sees."""
        return [m for m in networks if m["network"] in self.slugs]

    def addresses(self, network_ids: Iterable[int]) -> bool:
        """Whether the caller may read the e-mail addresses of a contact in these networks."""
        return self.admin or any(n in self.granted for n in network_ids)


def sees_as_anyone(caller: Reader | None) -> bool:
    """Whether the caller's answers are anyone's: no admin, no permission anywhere.

    Such callers (the service credential, a token without permissions) share the anonymous
    answers and their cache.
    """
    return caller is None or (not caller.is_admin and not any(caller.grants.values()))


async def sight_of(conn: Conn, q: Queries, caller: Reader | None) -> Sight:
    """The networks `caller` sees (None: anonymous), read in the caller's transaction."""
    admin = caller is not None and caller.is_admin
    granted = frozenset(n for n, p in caller.grants.items() if p) if caller is not None else None
    rows = await conn.fetch(q["visible-networks"], admin, sorted(granted or ()))
    return Sight(
        networks=frozenset(r["id"] for r in rows),
        slugs=frozenset(r["slug"] for r in rows),
        admin=admin,
        granted=granted or frozenset(),
    )


async def emails_for(
    conn: Conn, q: Queries, sight: Sight, rows: list[asyncpg.Record]
) -> dict[int, list[str]]:
    """E-mail addresses of the contacts whose addresses the caller may read."""
    allowed = [r["id"] for r in rows if sight.addresses(r["network_ids"])]
    if not allowed:
        return {}
    found = await conn.fetch(q["contact-emails"], allowed)
    emails = {r["contact_id"]: list(r["emails"]) for r in found}
    return {contact_id: emails.get(contact_id, []) for contact_id in allowed}
