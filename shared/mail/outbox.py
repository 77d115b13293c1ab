"""Outboxes: mail a request asked for, sent by a background sender and never by the request.

A request records the wish in its service's `outbox` table and answers at once, the same
whatever the address; `Outbox.run` sends it: it connects to the SMTP server, asks the
service's `compose` for the message (built for what the server offers), sends it, and
writes the outcome. While the relay refuses, it tries again with backoff until the row's
`give_up_at`. The queries are `shared/mail/queries/outbox.sql`, loaded with the service's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from shared.errors import DB_DOWN
from shared.mail.message import Capabilities, Outgoing, Undeliverable
from shared.mail.replies import Refusal, Verdict
from shared.mail.transport import SmtpConfig, Transport
from shared.queries import Queries
from shared.settings import Settings

OUTBOX_QUERIES = Path(__file__).parent / "queries"
POLL_SECONDS = 0.2
BATCH = 10
CLAIM_SECONDS = 120  # a claim older than this belongs to a sender that died
BACKOFF = (1, 6, 24, 120, 360)  # times KONTAKT_RETRY_BASE seconds
DATABASE_TROUBLE = (*DB_DOWN, asyncpg.PostgresError)

log = logging.getLogger("kontakt.outbox")

Maker = Callable[[Capabilities], Outgoing]
# Builds the mail of one claimed outbox row (a `claim-outbox` record).
Compose = Callable[[asyncpg.Record], Awaitable[Maker]]


class Skip(Exception):
    """Nothing to send for this row any more (no account, confirmed meanwhile…): the reason."""


class Outbox:
    """Sends what requests put in one service's `outbox` table; `compose` builds each mail."""

    def __init__(
        self, settings: Settings, pool: asyncpg.Pool, queries: Queries, compose: Compose
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.q = queries
        self.compose = compose
        self.name = f"outbox:{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.transport = Transport(SmtpConfig.from_settings(settings), 2)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set."""
        try:
            while not stop.is_set():
                busy = False
                try:
                    busy = await self.step()
                except DATABASE_TROUBLE as exc:
                    log.warning("outbox step failed: %s", type(exc).__name__)
                except Exception:
                    log.exception("outbox step failed unexpectedly")
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), POLL_SECONDS)
        finally:
            await self.transport.close()

    async def step(self) -> bool:
        """Send the mail that is due; False when there was none."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(self.q["claim-outbox"], self.name, BATCH, CLAIM_SECONDS)
        for row in rows:
            await self.send(row)
        return bool(rows)

    async def send(self, row: asyncpg.Record) -> str:
        """Send one row's mail and write its outcome: sent, skipped, failed or later."""
        outcome, reason = "sent", None
        try:
            # Connected first: nothing is made (a sign-in code…) while the relay is away.
            async with self.transport.connection() as conn:
                make = await self.compose(row)
                # Making may sign (DKIM): in a thread, off the event loop.
                await conn.send(await asyncio.to_thread(make, conn.caps))
        except Skip as exc:
            outcome, reason = "skipped", str(exc)
        except Undeliverable as exc:
            outcome, reason = "failed", exc.reason
        except Refusal as exc:
            retry = exc.verdict in (Verdict.RETRY, Verdict.RELAY_LATER)
            outcome, reason = ("later" if retry else "failed"), exc.reason
        except DATABASE_TROUBLE:
            raise
        except Exception as exc:
            log.exception("outbox mail %s failed", row["id"])
            outcome, reason = "later", f"{type(exc).__name__}: {exc}"
        if outcome == "later" and row["attempts"] >= self.settings.max_attempts:
            outcome = "failed"
        async with self.pool.acquire() as conn:
            if outcome == "later":
                steps = BACKOFF[min(row["attempts"], len(BACKOFF)) - 1]
                delay = steps * self.settings.retry_base
                await conn.execute(self.q["outbox-later"], row["id"], delay, reason)
            else:
                await conn.execute(self.q["outbox-done"], row["id"], outcome, reason)
        if outcome == "failed":
            log.warning("outbox mail %s not sent: %s", row["id"], reason)
        return outcome
