"""The sending worker: claims deliveries from the shared ledger and sends them, losing nothing.

Run inside the mailing service (KONTAKT_MAILING_WORKER) or on its own as
`python -m services.mailing.worker`; any number of workers share the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections import deque
from typing import Any

import asyncpg

from services.mailing.compose import CampaignTemplate
from services.mailing.paths import MIGRATIONS, QUERIES_DIR, SCHEMA
from shared import metrics
from shared.db import create_pool, prepare_schema
from shared.errors import DB_DOWN
from shared.logs import setup_logging
from shared.mail.message import Undeliverable
from shared.mail.replies import Refusal
from shared.mail.transport import SmtpConfig, Transport
from shared.process import serve_probes
from shared.queries import Queries
from shared.settings import Settings

log = logging.getLogger("kontakt.mailing.worker")

IDLE_SECONDS = 0.2
FAILURE_PAUSE = 1.0
BACKOFF = (1, 6, 24, 120, 360)  # times KONTAKT_RETRY_BASE seconds
MAX_ATTEMPTS = 8


class Pace:
    """At most `per_second` and `per_hour` sends, spread evenly."""

    def __init__(self, per_second: int, per_hour: int) -> None:
        self.per_second = per_second
        self.per_hour = per_hour
        self.recent: deque[float] = deque()
        self.hour: deque[float] = deque()

    async def wait(self) -> None:
        """Sleep until one more send fits both limits."""
        waited = False
        while True:
            now = time.monotonic()
            while self.recent and now - self.recent[0] >= 1:
                self.recent.popleft()
            while self.hour and now - self.hour[0] >= 3600:
                self.hour.popleft()
            if len(self.recent) < self.per_second and len(self.hour) < self.per_hour:
                self.recent.append(now)
                self.hour.append(now)
                return
            oldest = self.recent[0] if len(self.recent) >= self.per_second else self.hour[0]
            if not waited:
                metrics.BUDGET_WAITS.inc()
                waited = True
            await asyncio.sleep(max(0.001, (1 if oldest in self.recent else 3600) - (now - oldest)))


class Worker:
    """One sending worker."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, queries: Queries) -> None:
        self.settings = settings
        self.pool = pool
        self.q = queries
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.smtp = Transport(SmtpConfig.from_settings(settings), settings.smtp_pool)
        self.pace = Pace(settings.send_rate, settings.send_hourly)
        self.templates: dict[tuple[int, str], CampaignTemplate] = {}
        self.campaigns: dict[int, Any] = {}
        self.outcomes: list[tuple[str, int, int, str | None]] = []
        # Set when a step failed midway: its unsent claims are released before the next.
        self.interrupted = False
        # Set when the worker is to stop: sends not yet begun are left for release.
        self.stopping = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; then finish the sends under way and release the rest."""
        self.stopping = stop
        try:
            while not stop.is_set():
                pause = IDLE_SECONDS
                try:
                    busy = await self.step()
                except (*DB_DOWN, asyncpg.PostgresError) as exc:
                    log.warning("worker step failed: %s", type(exc).__name__)
                    busy, pause, self.interrupted = False, FAILURE_PAUSE, True
                except Exception:
                    # A worker that dies sends nothing more: anything unforeseen is logged
                    # and the work is tried again (its untried claims are released first).
                    log.exception("worker step failed unexpectedly")
                    busy, pause, self.interrupted = False, FAILURE_PAUSE, True
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), pause)
        finally:
            await self._release()
            await self.smtp.close()

    async def _release(self) -> None:
        """Give back what this worker claimed and never tried, so another sends it now."""
        with contextlib.suppress(*DB_DOWN, asyncpg.PostgresError):
            if self.outcomes:
                await self._flush()
            async with self.pool.acquire() as conn:
                released = await conn.execute(self.q["release-claims"], self.name)
            log.info("worker stopped", extra={"worker": self.name, "released": released})

    async def _paced(self) -> bool:
        """Wait until the send budget allows one more; False when the worker stops first."""
        if self.stopping.is_set():
            return False
        pace = asyncio.ensure_future(self.pace.wait())
        stopping = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({pace, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if pace.done():
            return True
        pace.cancel()
        return False

    async def step(self) -> bool:
        """Start due campaigns, claim a batch, send it; False when there was nothing to do."""
        if self.outcomes:
            # A batch was sent but PostgreSQL was away when it was to be recorded.
            await self._flush()
        if self.interrupted:
            async with self.pool.acquire() as conn:
                await conn.execute(self.q["release-claims"], self.name)
            self.interrupted = False
        async with self.pool.acquire() as conn:
            for row in await conn.fetch(self.q["start-due-campaigns"]):
                log.info("campaign started", extra={"campaign": row["id"]})
                await conn.execute(self.q["enqueue-recipients"], row["id"], row["list_id"])
            claimed = await conn.fetch(
                self.q["claim-deliveries"],
                self.name,
                self.settings.smtp_pool * 8,
                self.settings.lease_seconds,
            )
            if not claimed:
                await conn.execute(self.q["finish-campaigns"])
                return False
        recipients = await self._recipients(claimed)
        # Every send finishes (and is noted) before a failure of one is raised: a send still
        # in flight when its claim is released would be sent twice.
        results = await asyncio.gather(
            *(
                self.deliver(row, recipients.get((row["campaign_id"], row["subscriber_id"])))
                for row in claimed
            ),
            return_exceptions=True,
        )
        await self._flush()
        failure = next((r for r in results if isinstance(r, BaseException)), None)
        if failure is not None:
            raise failure
        return True

    async def _recipients(self, claimed: list[Any]) -> dict[tuple[int, int], Any]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                self.q["recipients"],
                [r["campaign_id"] for r in claimed],
                [r["subscriber_id"] for r in claimed],
            )
        return {(r["campaign_id"], r["id"]): r for r in rows}

    async def _flush(self) -> None:
        """Record the batch's outcomes in one statement per kind; kept for later on failure."""
        outcomes = self.outcomes
        sent = [(c, s) for kind, c, s, _ in outcomes if kind == "sent"]
        # All or nothing, so a retry after a database outage records nothing twice.
        async with self.pool.acquire() as conn, conn.transaction():
            if sent:
                await conn.execute(
                    self.q["deliveries-sent"], [c for c, _ in sent], [s for _, s in sent]
                )
            for kind, campaign_id, subscriber_id, reason in outcomes:
                if kind == "failed":
                    await conn.execute(
                        self.q["delivery-failed"], campaign_id, subscriber_id, reason
                    )
                elif kind == "retry":
                    delay, _, text = (reason or "").partition(" ")
                    await conn.execute(
                        self.q["delivery-retry"], campaign_id, subscriber_id, float(delay), text
                    )
        for kind, *_ in outcomes:
            metrics.DELIVERIES.labels(kind).inc()
        self.outcomes = []

    async def _template(self, campaign_id: int, lang: str) -> CampaignTemplate:
        if campaign_id not in self.campaigns:
            async with self.pool.acquire() as conn:
                self.campaigns[campaign_id] = await conn.fetchrow(
                    self.q["get-campaign"], campaign_id
                )
        key = (campaign_id, lang)
        if key not in self.templates:
            self.templates[key] = CampaignTemplate(self.settings, self.campaigns[campaign_id], lang)
        return self.templates[key]

    async def deliver(self, row: Any, recipient: Any) -> None:
        """Send one claimed delivery; its outcome is recorded with the batch."""
        campaign_id, subscriber_id = row["campaign_id"], row["subscriber_id"]
        if recipient is None or recipient["status"] != "confirmed":
            suppressed = recipient is not None and recipient["status"] == "suppressed"
            reason = "on the suppression list" if suppressed else "no longer subscribed"
            self.outcomes.append(("failed", campaign_id, subscriber_id, reason))
            return
        template = await self._template(campaign_id, recipient["lang"])
        if not await self._paced():
            return  # not tried: its claim is released as the worker stops
        try:
            async with self.smtp.connection() as conn:
                await conn.send(template.render(recipient, conn.caps))
        except Undeliverable as exc:
            self.outcomes.append(("failed", campaign_id, subscriber_id, exc.reason))
        except Refusal as exc:
            self._failed_or_retry(row, exc.code, exc.reason)
        else:
            self.outcomes.append(("sent", campaign_id, subscriber_id, None))

    def _failed_or_retry(self, row: Any, code: int, reason: str) -> None:
        """5xx fails for good; anything else is retried with backoff, up to a limit."""
        campaign_id, subscriber_id = row["campaign_id"], row["subscriber_id"]
        if 500 <= code < 600 or row["attempts"] >= MAX_ATTEMPTS:
            self.outcomes.append(("failed", campaign_id, subscriber_id, reason))
            return
        delay = BACKOFF[min(row["attempts"] - 1, len(BACKOFF) - 1)] * self.settings.retry_base
        self.outcomes.append(("retry", campaign_id, subscriber_id, f"{delay} {reason}"))


async def main() -> None:
    """A standalone worker process: settings from the environment, until SIGTERM."""
    settings = Settings.from_env()
    setup_logging("mailing-worker", settings.log_level, settings.log_format)
    settings.require_reachable(PUBLIC_MAILING_URL=settings.public_mailing_base)
    pool = await create_pool(settings, SCHEMA)
    queries = Queries.load(QUERIES_DIR)
    async with pool.acquire() as conn:
        await prepare_schema(conn, settings, SCHEMA, MIGRATIONS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    probes = await serve_probes(settings, pool, SCHEMA, MIGRATIONS)
    try:
        await Worker(settings, pool, queries).run(stop)
    finally:
        if probes is not None:
            await probes.cleanup()
        await pool.close()


def run() -> None:
    """The `kontakt-worker` command (the image's start command for standalone workers)."""
    asyncio.run(main())


if __name__ == "__main__":
    run()
