"""The sending worker: every deliverable recipient gets one correct message, and nothing one
address, the relay or a restart does holds up anything else.

- Work is claimed in small batches (`FOR UPDATE SKIP LOCKED`) and paid for from the
  installation's one budget in PostgreSQL (`take_send_budget`: per second and per hour, for
  every worker together); what the budget cannot pay for is released at once, so a worker
  waiting for budget holds no claim.
- Each outcome is written as soon as the server has answered (outcomes that arrive together
  share a transaction), so no mail is at the server while the ledger says otherwise.
- A worker renews its lease (`mailing.workers`) every quarter lease and sends only while its
  last renewal is younger than half a lease; it takes over another worker's claims only after
  seeing the database itself for a whole lease. So a PostgreSQL outage longer than the lease
  makes no worker send what another one already sent.
- Whatever goes wrong with one delivery is that delivery's attempt alone; replies are judged
  by phase and enhanced status (`shared.mail.replies`): a sender refusal pauses the campaign,
  a 5.1.x at RCPT suppresses the address, a relay that stays down pauses after
  `KONTAKT_RELAY_PATIENCE`.

Run inside the mailing service (KONTAKT_MAILING_WORKER) or on its own as
`python -m services.mailing.worker`; any number of workers share the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg

from services.mailing.compose import CampaignTemplate
from services.mailing.ledger import Ledger, Outcome
from services.mailing.outbox import outbox
from services.mailing.paths import MIGRATIONS, QUERY_FOLDERS, SCHEMA
from shared import metrics
from shared.conn import Conn
from shared.db import check_budget, create_pool, prepare_schema
from shared.errors import DB_DOWN
from shared.logs import setup_logging
from shared.mail.message import Undeliverable
from shared.mail.replies import Refusal, Verdict
from shared.mail.transport import SmtpConfig, Transport
from shared.process import serve_probes
from shared.queries import Queries
from shared.settings import Settings

log = logging.getLogger("kontakt.mailing.worker")

IDLE_SECONDS = 0.2
# How often the queue-depth gauge is counted again while no campaign starts or finishes.
QUEUE_GAUGE_SECONDS = 10.0
# Campaigns whose templates a worker keeps (the most recently sent; others are read again).
CACHED_CAMPAIGNS = 16
FAILURE_PAUSE = 1.0
BACKOFF = (1, 6, 24, 120, 360)  # times KONTAKT_RETRY_BASE seconds
# How far ahead a worker may reserve sends: each then waits for its own moment.
AHEAD_SECONDS = 1.0
DATABASE_TROUBLE = (*DB_DOWN, asyncpg.PostgresError)


async def finish_campaigns(conn: Conn, q: Queries) -> list[asyncpg.Record]:
    """End the sending campaigns with nothing queued or being sent; their rows, with counts.

    Each is locked before "nothing queued" is checked, in a later statement: a resend that
    requeued failed deliveries under the campaign's lock has committed by then (its campaign
    was skipped, or the check sees its deliveries), so no campaign ends with work queued.
    """
    async with conn.transaction():
        locked = [r["id"] for r in await conn.fetch(q["lock-sending-campaigns"])]
        if not locked:
            return []
        return list(await conn.fetch(q["finish-campaigns"], locked))


@dataclass(slots=True)
class Cached:
    """A campaign as read at `stamp` (its and its list's revisions); its templates by language."""

    stamp: str
    row: asyncpg.Record  # get-campaign's
    templates: dict[str, CampaignTemplate]


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the next try after `attempts` tries."""
    return BACKOFF[min(max(attempts, 1) - 1, len(BACKOFF) - 1)] * settings.retry_base


async def stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds`; True as soon as `stop` is set."""
    if seconds > 0 and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


class Worker:
    """One sending worker."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, queries: Queries) -> None:
        self.settings = settings
        self.pool = pool
        self.q = queries
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.transport = Transport(SmtpConfig.from_settings(settings), settings.smtp_pool)
        self.ledger = Ledger(pool, queries, self.name)
        self.batch = max(1, min(settings.smtp_pool * 8, settings.send_rate))
        # Campaigns as last read (by stamp), their templates by language: the most recent few.
        self.campaigns: OrderedDict[int, Cached] = OrderedDict()
        self.gauged: set[str] = set()  # campaigns with a queue-depth sample
        self.gauged_at = -math.inf  # when the queue depths were last counted
        # Lease: when it was last renewed, and since when the database answered without a break.
        self.renewed = -math.inf
        self.connected_since: float | None = None
        # The relay: since when it has refused connections, and how often in a row.
        self.relay_down_since: float | None = None
        self.relay_failures = 0

    # --- the lease ---------------------------------------------------------------------

    async def renew(self) -> None:
        """Renew this worker's lease (and note that the database answers)."""
        try:
            async with self.pool.acquire() as conn:
                await conn.execute(self.q["renew-lease"], self.name)
        except DATABASE_TROUBLE:
            self.connected_since = None
            raise
        now = time.monotonic()
        self.renewed = now
        if self.connected_since is None:
            self.connected_since = now

    def lease_fresh(self) -> bool:
        """Whether this worker may still send what it claimed (fenced at half a lease)."""
        return time.monotonic() - self.renewed < self.settings.lease_seconds / 2

    def may_take_over(self) -> bool:
        """Only a worker that has seen the database for a whole lease judges others' leases."""
        since = self.connected_since
        return since is not None and time.monotonic() - since >= self.settings.lease_seconds

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        period = max(0.1, self.settings.lease_seconds / 4)
        while not stop.is_set():
            with contextlib.suppress(*DATABASE_TROUBLE):
                await self.renew()
            await stopped_within(stop, period)

    # --- the loop ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set, then give back what was claimed and not sent."""
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        try:
            while not stop.is_set():
                try:
                    pause = await self.step(stop)
                except DATABASE_TROUBLE as exc:
                    log.warning("worker step failed: %s", type(exc).__name__)
                    self.connected_since = None
                    pause = FAILURE_PAUSE
                except Exception:
                    # Anything unforeseen outside one delivery: logged, and the round is
                    # tried again; nothing claimed is lost (it is released or taken over).
                    log.exception("worker step failed unexpectedly")
                    pause = FAILURE_PAUSE
                await stopped_within(stop, pause)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._leave()

    async def _leave(self) -> None:
        """Record what is known, give back the rest, say QUIT: bounded, even with no database."""
        try:
            async with asyncio.timeout(max(0.5, self.settings.db_timeout / 2)):
                await self.ledger.flush()
                async with self.pool.acquire() as conn:
                    released = await conn.execute(self.q["release-claims"], self.name)
                    await conn.execute(self.q["leave"], self.name)
            log.info("worker stopped", extra={"worker": self.name, "released": released})
        except (TimeoutError, *DATABASE_TROUBLE) as exc:
            # What stays claimed is taken over after the lease, by a worker that saw the
            # database for a whole lease; what was sent and not written is logged here.
            log.warning("worker left without writing its last outcomes: %s", type(exc).__name__)
        await self.transport.close()

    async def step(self, stop: asyncio.Event) -> float:
        """One round: start due campaigns, claim, pay, send. Seconds to wait before the next."""
        await self.ledger.flush()  # outcomes a database outage kept back come first
        if not self.lease_fresh():
            await self.renew()
        q = self.q
        settings = self.settings
        async with self.pool.acquire() as conn:
            await conn.execute(q["release-claims"], self.name)
            started_now = await conn.fetch(q["start-campaigns"], None)
            for started in started_now:
                log.info("campaign started", extra={"campaign": started["id"]})
            claimed = await conn.fetch(
                q["claim-deliveries"],
                self.name,
                self.batch,
                settings.lease_seconds,
                self.may_take_over(),
            )
            if not claimed:
                finished = await finish_campaigns(conn, q)
                for row in finished:
                    log.info(
                        "campaign finished",
                        extra={"campaign": row["id"], "sent": row["sent"], "failed": row["failed"]},
                    )
                await self._gauge_queues(conn, changed=bool(started_now or finished))
                return IDLE_SECONDS
            await self._gauge_queues(conn, changed=bool(started_now))
            budget = await conn.fetchrow(
                q["take-send-budget"],
                len(claimed),
                settings.send_rate,
                settings.send_hourly,
                AHEAD_SECONDS,
            )
            assert budget is not None
            paid, unpaid = claimed[: budget["granted"]], claimed[budget["granted"] :]
            if unpaid or budget["first_in"] > 0:
                metrics.BUDGET_WAITS.inc(len(unpaid) or len(paid))
            if unpaid:
                # Waiting for budget, a worker holds no claim.
                await conn.execute(
                    q["unclaim"],
                    self.name,
                    [r["campaign_id"] for r in unpaid],
                    [r["subscriber_id"] for r in unpaid],
                )
        if not paid:
            wait = float(budget["wait"])
            if wait >= 1:  # a worker idle for a while says why (the hourly budget, mostly)
                log.info("waiting for the send budget", extra={"worker": self.name, "s": wait})
            return wait
        recipients = await self._recipients(paid)
        start = time.monotonic() + max(0.0, float(budget["first_in"]))
        spacing = 1 / settings.send_rate
        halted: dict[int, str] = {}
        outcomes = await asyncio.gather(
            *(
                self.deliver(
                    row,
                    recipients.get((row["campaign_id"], row["subscriber_id"])),
                    start + i * spacing,
                    stop,
                    halted,
                )
                for i, row in enumerate(paid)
            )
        )
        return self._after_batch(outcomes)

    def _after_batch(self, outcomes: list[Outcome]) -> float:
        """The relay's state after a batch: back off while it refuses connections."""
        kinds = {o.kind for o in outcomes}
        if "sent" in kinds or not outcomes:
            self.relay_down_since, self.relay_failures = None, 0
            return 0.0
        if any(o.relay_trouble for o in outcomes):
            self.relay_failures += 1
            if self.relay_down_since is None:
                self.relay_down_since = time.monotonic()
            return min(backoff(self.settings, self.relay_failures), 60.0)
        return 0.0

    async def _gauge_queues(self, conn: Conn, *, changed: bool) -> None:
        """Set kontakt_worker_queue_depth per unfinished campaign; finished ones leave it.

        It reads each campaign's kept counts (migration 020; before, every delivery still
        waiting: 84 ms a step beside one paused campaign of 100,000), every QUEUE_GAUGE_SECONDS,
        or at once when a campaign started or finished in this step, not at every step.
        """
        now = time.monotonic()
        if not changed and now - self.gauged_at < QUEUE_GAUGE_SECONDS:
            return
        self.gauged_at = now
        depths = {str(r["id"]): r["waiting"] for r in await conn.fetch(self.q["queue-depth"])}
        for campaign in self.gauged - depths.keys():
            with contextlib.suppress(KeyError):
                metrics.QUEUE_DEPTH.remove(campaign)
        for campaign, waiting in depths.items():
            metrics.QUEUE_DEPTH.labels(campaign).set(waiting)
        self.gauged = set(depths)

    async def _recipients(
        self, claimed: list[asyncpg.Record]
    ) -> dict[tuple[int, int], asyncpg.Record]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                self.q["recipients"],
                [r["campaign_id"] for r in claimed],
                [r["subscriber_id"] for r in claimed],
            )
        return {(r["campaign_id"], r["id"]): r for r in rows}

    async def _template(self, campaign_id: int, lang: str, stamp: str) -> CampaignTemplate:
        """The campaign's template in `lang`, built again once the campaign or list changed."""
        cached = self.campaigns.get(campaign_id)
        if cached is None or cached.stamp != stamp:
            async with self.pool.acquire() as conn:
                row = await conn.fetchrow(self.q["get-campaign"], campaign_id)
            # A delivery keeps its campaign (foreign key): a claimed one always finds it.
            assert row is not None
            cached = Cached(stamp, row, {})
            self.campaigns[campaign_id] = cached
            while len(self.campaigns) > CACHED_CAMPAIGNS:
                self.campaigns.popitem(last=False)
        self.campaigns.move_to_end(campaign_id)
        if lang not in cached.templates:
            cached.templates[lang] = CampaignTemplate(self.settings, cached.row, lang)
        return cached.templates[lang]

    # --- one delivery ------------------------------------------------------------------

    async def deliver(
        self,
        row: asyncpg.Record,
        recipient: asyncpg.Record | None,
        due: float,
        stop: asyncio.Event,
        halted: dict[int, str],
    ) -> Outcome:
        """Send one paid-for delivery at its moment and write its outcome at once."""
        campaign_id = row["campaign_id"]
        if recipient is None or recipient["status"] != "confirmed":
            suppressed = recipient is not None and recipient["status"] == "suppressed"
            reason = "on the suppression list" if suppressed else "no longer subscribed"
            return await self.ledger.record(Outcome.of(row, "skipped", reason))
        if await stopped_within(stop, due - time.monotonic()) or campaign_id in halted:
            return await self.ledger.record(Outcome.of(row, "release"))
        if not self.lease_fresh() or not self.ledger.healthy:
            # Fenced: past half a lease without renewal (or unable to write), this worker
            # sends nothing more; the claim is released, or taken over after the lease.
            return Outcome.of(row, "held")
        try:
            template = await self._template(campaign_id, recipient["lang"], recipient["stamp"])
            async with self.transport.connection() as conn:
                # Paused while this one waited for a connection: the relay is not asked again.
                if campaign_id in halted:
                    return await self.ledger.record(Outcome.of(row, "release"))
                # Rendering signs (DKIM: RSA per message): in a thread, off the event loop.
                message = await asyncio.to_thread(
                    template.render,
                    recipient["id"],
                    recipient["email"],
                    recipient["name"],
                    conn.caps,
                )
                await conn.send(message)
        except Undeliverable as exc:
            verdict, reason = (
                (Verdict.PAUSE, exc.reason) if exc.about == "sender" else (Verdict.FAIL, exc.reason)
            )
        except Refusal as exc:
            verdict, reason = exc.verdict, exc.reason
        except DATABASE_TROUBLE:
            raise
        except Exception as exc:
            # A poisoned delivery: its own attempt, never the batch's.
            log.exception("delivery %s/%s failed", campaign_id, row["subscriber_id"])
            verdict, reason = Verdict.RETRY, f"{type(exc).__name__}: {exc}"
        else:
            return await self.ledger.record(Outcome.of(row, "sent"))
        return await self.ledger.record(self._judge(row, recipient, verdict, reason, halted))

    def _judge(
        self,
        row: asyncpg.Record,
        recipient: asyncpg.Record,
        verdict: Verdict,
        reason: str,
        halted: dict[int, str],
    ) -> Outcome:
        """What a refusal does to this delivery (and perhaps its campaign)."""
        settings = self.settings
        campaign_id = row["campaign_id"]
        if verdict is Verdict.PAUSE:
            halted[campaign_id] = reason
            return Outcome.of(row, "release", reason, pause=reason)
        if verdict is Verdict.RELAY_LATER:
            since = self.relay_down_since
            if since is not None and time.monotonic() - since > settings.relay_patience:
                waited = round(time.monotonic() - since)
                note = f"the mail server has not taken mail for {waited} s: {reason}"
                halted[campaign_id] = note
                return Outcome.of(row, "release", reason, pause=note)
            delay = min(backoff(settings, self.relay_failures + 1), 60.0)
            return Outcome.of(row, "release", reason, delay=delay, relay_trouble=True)
        if verdict is Verdict.BOUNCE:
            return Outcome.of(row, "bounced", reason, address=recipient["email"])
        if verdict is Verdict.FAIL or row["attempts"] >= settings.max_attempts:
            return Outcome.of(row, "failed", reason)
        return Outcome.of(row, "retry", reason, delay=backoff(settings, row["attempts"]))


async def run_senders(
    settings: Settings, pool: asyncpg.Pool, queries: Queries, stop: asyncio.Event
) -> None:
    """The campaign worker and the outbox (confirmations, test sends), until `stop`."""
    await asyncio.gather(
        Worker(settings, pool, queries).run(stop), outbox(settings, pool, queries).run(stop)
    )


async def main() -> None:
    """A standalone worker process: settings from the environment, until SIGTERM."""
    settings = Settings.from_env()
    setup_logging("mailing-worker", settings.log_level, settings.log_format)
    settings.require_reachable(PUBLIC_MAILING_URL=settings.public_mailing_base)
    pool = await create_pool(settings, SCHEMA)
    queries = Queries.load(*QUERY_FOLDERS, schema=SCHEMA)
    async with pool.acquire() as conn:
        await check_budget(conn, settings, 0)
        await prepare_schema(conn, settings, SCHEMA, MIGRATIONS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    probes = await serve_probes(settings, pool, SCHEMA, MIGRATIONS)
    try:
        await run_senders(settings, pool, queries, stop)
    finally:
        if probes is not None:
            await probes.cleanup()
        await pool.close()


def run() -> None:
    """The `kontakt-worker` command (the image's start command for standalone workers)."""
    asyncio.run(main())


if __name__ == "__main__":
    run()
