"""The installation-wide suppression list: the one place that says an address gets no mail.

Every list honours it at import, subscribe and send. Other code calls `suppress` to add an
address (with the reason and its evidence) and `is_suppressed` / `suppressed_among` to check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from shared.conn import Conn
from shared.payloads import SUPPRESSION_REASONS, SuppressionReason
from shared.queries import Queries

Reason = SuppressionReason
REASONS = SUPPRESSION_REASONS


async def suppress(
    conn: Conn,
    q: Queries,
    address: str,
    reason: Reason,
    evidence: Mapping[str, object] | None = None,
    *,
    by: str = "",
) -> bool:
    """Put `address` on the list; True when it was not there yet (the first reason stays).

    `evidence` is a JSON object (for a report: status, diagnostic, reporting MTA, time);
    `by` names who or what added it (`account:7 madis@example.ee`, `intake:lmtp`, `worker`).
    """
    return bool(await suppress_many(conn, q, [address], reason, evidence, by=by))


async def suppress_many(
    conn: Conn,
    q: Queries,
    addresses: Sequence[str],
    reason: Reason,
    evidence: Mapping[str, object] | None = None,
    *,
    by: str = "",
) -> set[str]:
    """Put each of `addresses` on the list with one reason and evidence; the ones added."""
    if reason not in REASONS:
        raise ValueError(f"unknown suppression reason {reason!r}")
    # Through JSON once, so times and other values arrive as text the codec can store.
    proof = json.loads(json.dumps(dict(evidence or {}), default=str))
    rows = await conn.fetch(q["suppress"], list(addresses), reason, proof, by)
    return {r["address"] for r in rows}


async def is_suppressed(conn: Conn, q: Queries, address: str) -> bool:
    """Whether `address` (compared without case) is on the list."""
    return await conn.fetchrow(q["suppression"], address) is not None


async def suppressed_among(conn: Conn, q: Queries, addresses: Iterable[str]) -> dict[str, str]:
    """The suppressed ones of `addresses`: lower-cased address -> reason."""
    rows = await conn.fetch(q["suppressed-among"], list(addresses))
    return {r["key"]: r["reason"] for r in rows}


async def reinstate(
    conn: Conn, q: Queries, address: str, note: str, *, by: str = "", account_id: int = 0
) -> int | None:
    """Take `address` off the list, recording why; None when it was not on it.

    Subscriptions the address's bounces had stopped resume (confirmed when they ever were,
    else pending), each recorded as reinstated by `by`; the number resumed comes back.
    """
    row = await conn.fetchrow(q["reinstate"], address, note, by, account_id)
    return None if row is None else int(row["resumed"])
