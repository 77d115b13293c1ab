"""The delivery ledger's writes: each outcome as soon as it is known, several in one go."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from services.mailing.returns.suppression import suppress
from shared import metrics
from shared.errors import DB_DOWN
from shared.queries import Queries

DATABASE_TROUBLE = (*DB_DOWN, asyncpg.PostgresError)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed delivery.

    kind: sent, skipped (no longer subscribed), failed, bounced (suppressed everywhere),
    retry (again after `delay` s, the attempt counted), release (back to the queue, the
    attempt not counted: the campaign paused, the relay was down, or nothing was tried),
    held (fenced: left claimed, nothing written).
    """

    campaign_id: int
    subscriber_id: int
    kind: str
    reason: str | None = None
    delay: float = 0.0
    pause: str | None = None  # pause the campaign, with this reason
    relay_trouble: bool = False
    address: str = ""  # the recipient's, for a bounce

    @classmethod
    def of(
        cls,
        row: asyncpg.Record,
        kind: str,
        reason: str | None = None,
        *,
        delay: float = 0.0,
        pause: str | None = None,
        relay_trouble: bool = False,
        address: str = "",
    ) -> Outcome:
        """The outcome of a claimed delivery row."""
        return cls(
            row["campaign_id"],
            row["subscriber_id"],
            kind,
            reason,
            delay,
            pause,
            relay_trouble,
            address,
        )


class Ledger:
    """Outcomes written as they happen: concurrent ones share one transaction."""

    def __init__(self, pool: asyncpg.Pool, queries: Queries, worker: str) -> None:
        self.pool = pool
        self.q = queries
        self.worker = worker
        self.pending: list[Outcome] = []
        self.lock = asyncio.Lock()
        # False while outcomes wait for the database: nothing more is sent until they are in.
        self.healthy = True

    async def record(self, outcome: Outcome) -> Outcome:
        """Write `outcome` now (kept for later, and `healthy` false, if the database is away)."""
        if outcome.kind != "held":
            self.pending.append(outcome)
            try:
                await self.flush()
            except DATABASE_TROUBLE:
                self.healthy = False
        return outcome

    async def flush(self) -> None:
        """Write every pending outcome in one transaction; raises if the database is away."""
        async with self.lock:
            batch = list(self.pending)
            if not batch:
                return
            q = self.q
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    q["record-outcomes"],
                    [o.campaign_id for o in batch],
                    [o.subscriber_id for o in batch],
                    [o.kind for o in batch],
                    [o.reason for o in batch],
                    [o.delay for o in batch],
                    self.worker,
                )
                for o in batch:
                    if o.kind == "bounced":
                        # Like a DSN's hard bounce: suppressed for every list, evidence kept.
                        evidence = {"reply": o.reason, "campaign": o.campaign_id}
                        await suppress(conn, q, o.address, "hard-bounce", evidence, by="worker")
                        await conn.execute(q["stop-subscriptions"], o.subscriber_id)
                for campaign_id, reason in {
                    o.campaign_id: o.pause for o in batch if o.pause
                }.items():
                    await conn.execute(q["pause-campaign"], campaign_id, reason)
            self.pending = self.pending[len(batch) :]
            for o in batch:
                metrics.DELIVERIES.labels(o.kind).inc()
            self.healthy = True
