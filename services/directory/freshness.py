"""Knowing the directory's data version without asking PostgreSQL on every request."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable

import asyncpg

from shared.conn import Conn
from shared.errors import DB_DOWN
from shared.settings import Settings

log = logging.getLogger("kontakt.directory.freshness")

CHANNEL = "directory_changed"
RECHECK_SECONDS = 1.0
# Past this without a confirmed version, readers ask PostgreSQL themselves.
TRUST_SECONDS = 3.0
# "number.stamp" (directory.data_version()): the counter, and 32 random hex digits.
VERSION = re.compile(r"^(\d{1,18})\.([0-9a-f]{32})$")


def parse_version(text: str) -> tuple[int, str] | None:
    """(number, stamp) of a data version, or None when `text` is not one."""
    found = VERSION.match(text)
    return (int(found[1]), found[2]) if found else None


class Freshness:
    """The latest data version, pushed by NOTIFY and re-read every second as a safety net.

    Versions are "number.stamp" with a random stamp per change, so a version never means
    two states of the data, even after a restore took the counter back. The once-a-second
    check also asks whether the last version seen is still in the database's history; when
    it is not, the database went back, and `went_back` drops what the caches hold.
    """

    def __init__(self, went_back: Callable[[], None] = lambda: None) -> None:
        self.version: str | None = None
        self.number = -1
        self.confirmed_at = 0.0
        self.went_back = went_back
        self.last_seen: tuple[int, str] | None = None

    def current(self) -> str | None:
        """The version, when it is known to be recent enough to trust."""
        if self.version is None or time.monotonic() - self.confirmed_at > TRUST_SECONDS:
            return None
        return self.version

    def saw(self, version: str) -> None:
        """Record a version read from PostgreSQL or announced by it."""
        parsed = parse_version(version)
        if parsed is None or parsed[0] < self.number:
            return  # an announcement that arrived after a newer one
        if parsed[0] == self.number and parsed != self.last_seen:
            # One number, two stamps: two histories. Trust nothing until the check decides.
            self.forget()
            return
        self.version, self.number, self.last_seen = version, parsed[0], parsed
        self.confirmed_at = time.monotonic()

    def forget(self) -> None:
        """Distrust the version until PostgreSQL confirms one (after a local write)."""
        self.version = None

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self.saw(str(payload))

    async def check(self, conn: Conn, current: str, known: str) -> None:
        """Read the version; when the last one seen left the history, drop every cache."""
        if self.last_seen is not None and not await conn.fetchval(known, *self.last_seen):
            log.warning("the database went back (a restore or failover): caches dropped")
            self.version, self.number, self.last_seen = None, -1, None
            self.went_back()
        self.saw(await conn.fetchval(current))

    def _lost(self) -> None:
        # The database may come back restored, with a lower counter: accept what it says then.
        self.version, self.number = None, -1

    async def run(self, settings: Settings, pool: asyncpg.Pool, current: str, known: str) -> None:
        """Listen (when a URL allows) and re-check until cancelled; reconnect a dropped listener.

        The listener's connection is closed on every way out: an error (before another is
        opened) and cancellation (the app stopping).
        """
        listener: asyncpg.Connection | None = None
        try:
            while True:
                try:
                    # LISTEN needs a session of its own: never through a transaction-mode pooler.
                    if settings.listen_url and (listener is None or listener.is_closed()):
                        listener = await asyncpg.connect(settings.listen_url, timeout=5)
                        await listener.add_listener(CHANNEL, self._notified)
                    async with pool.acquire() as conn:
                        await self.check(conn, current, known)
                except (*DB_DOWN, asyncpg.PostgresError) as exc:
                    log.warning("cannot confirm the data version: %s", type(exc).__name__)
                    self._lost()
                    await _close(listener)
                    listener = None
                except Exception:
                    # Without this loop every read asks PostgreSQL: it must outlive any surprise.
                    log.exception("cannot confirm the data version")
                    self._lost()
                    await _close(listener)
                    listener = None
                await asyncio.sleep(RECHECK_SECONDS)
        finally:
            await asyncio.shield(_close(listener))


async def _close(listener: asyncpg.Connection | None) -> None:
    """Close a listener's connection (at once when closing politely fails)."""
    if listener is None or listener.is_closed():
        return
    try:
        await asyncio.wait_for(listener.close(), 2)
    except (*DB_DOWN, asyncpg.PostgresError):
        listener.terminate()
