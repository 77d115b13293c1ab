"""Knowing the directory's data version without asking PostgreSQL on every request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import asyncpg

from shared.errors import DB_DOWN
from shared.settings import Settings

log = logging.getLogger("kontakt.directory.freshness")

CHANNEL = "directory_changed"
RECHECK_SECONDS = 1.0
# Past this without a confirmed version, readers ask PostgreSQL themselves.
TRUST_SECONDS = 3.0


class Freshness:
    """The latest data version, pushed by NOTIFY and re-read every second as a safety net."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.confirmed_at = 0.0

    def current(self) -> int | None:
        """The version, when it is known to be recent enough to trust."""
        if self.version is None or time.monotonic() - self.confirmed_at > TRUST_SECONDS:
            return None
        return self.version

    def saw(self, version: int) -> None:
        """Record a version read from PostgreSQL or announced by it."""
        if self.version is None or version >= self.version:
            self.version = version
        self.confirmed_at = time.monotonic()

    def forget(self) -> None:
        """Distrust the version until PostgreSQL confirms one (after a local write)."""
        self.version = None

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError):
            self.saw(int(str(payload)))

    async def run(self, settings: Settings, pool: asyncpg.Pool, query: str) -> None:
        """Listen and re-check until cancelled; reconnect the listener when it drops."""
        listener: asyncpg.Connection | None = None
        while True:
            try:
                if listener is None or listener.is_closed():
                    listener = await asyncpg.connect(settings.require_database(), timeout=5)
                    await listener.add_listener(CHANNEL, self._notified)
                async with pool.acquire() as conn:
                    self.saw(await conn.fetchval(query))
            except (*DB_DOWN, asyncpg.PostgresError) as exc:
                log.warning("cannot confirm the data version: %s", type(exc).__name__)
                self.version = None
                listener = None
            except Exception:
                # Without this loop every read asks PostgreSQL: it must outlive any surprise.
                log.exception("cannot confirm the data version")
                self.version = None
                listener = None
            await asyncio.sleep(RECHECK_SECONDS)
