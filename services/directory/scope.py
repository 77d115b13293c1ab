"""Networks by slug, and the networks below one that a caller sees: what reads are scoped to."""

from __future__ import annotations

import asyncpg

from services.directory.visibility import Sight
from shared.conn import Conn
from shared.errors import FieldError, NotFound, ValidationFailed
from shared.queries import Queries


async def get_network_row(
    conn: Conn, q: Queries, slug: str, sight: Sight | None = None
) -> asyncpg.Record:
    """The network with `slug`, or 404 (also when `sight` does not see it)."""
    row = await conn.fetchrow(q["get-network"], slug)
    if row is None or (sight is not None and not sight.network(row["id"])):
        raise NotFound("No network %(slug)r.", values={"slug": slug})
    return row


async def resolve_scope(
    conn: Conn, q: Queries, slug: str, member: str | None, sight: Sight
) -> tuple[asyncpg.Record, asyncpg.Record, list[int]]:
    """The network, the member network asked for (or the network), and the visible ids below.

    A network the caller does not see is a 404, a member network it does not see the same 422
    as one that is not there; below them, only the networks it sees are walked.
    """
    network = await get_network_row(conn, q, slug, sight)
    scope: list[int] = await conn.fetchval(q["network-subtree"], network["id"])
    target = network
    if member is not None:
        found = await conn.fetchrow(q["get-network"], member)
        if found is None or found["id"] not in scope or not sight.network(found["id"]):
            raise ValidationFailed(
                [
                    FieldError(
                        "member",
                        "%(member)r is not a network in %(slug)r",
                        {"member": member, "slug": slug},
                    )
                ]
            )
        target = found
        scope = await conn.fetchval(q["network-subtree"], target["id"])
    return network, target, sight.within(scope)
