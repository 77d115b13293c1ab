"""The freshness listener: one connection at most, closed on every way out."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from services.directory.app import create_app
from shared.settings import Settings

LISTENERS = (
    "SELECT coalesce(array_agg(pid ORDER BY pid), '{}') FROM pg_stat_activity "
    "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
)


async def _wait_for(
    conn: asyncpg.Connection, test: Callable[[list[int]], bool], seconds: float = 20
) -> list[int]:
    """Poll the listening sessions until `test(pids)` holds; the pids."""
    deadline = time.monotonic() + seconds
    while True:
        pids: list[int] = await conn.fetchval(LISTENERS)
        if test(pids):
            return pids
        if time.monotonic() > deadline:
            raise AssertionError(f"listening sessions now: {pids}")
        await asyncio.sleep(0.05)


def _failures(caplog: pytest.LogCaptureFixture) -> int:
    """How many checks failed so far (each closed its listener; the next opens another)."""
    return sum("cannot confirm the data version" in r.getMessage() for r in caplog.records)


async def test_the_listener_is_closed_after_errors_and_when_the_app_stops(
    settings: Settings,
    conn: asyncpg.Connection,
    recwarn: pytest.WarningsRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = TestServer(create_app(settings), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        first = await _wait_for(conn, lambda pids: len(pids) == 1)
        # Every check now fails (a PostgreSQL error): the listener is replaced each time, and
        # each new one lives only until its own check fails, a moment a poll rarely meets. So
        # watch three failures (three listeners opened and closed): never two at once, and
        # the first one gone.
        await conn.execute("ALTER FUNCTION directory.data_version() RENAME TO data_version_gone")
        try:
            seen = [await conn.fetchval(LISTENERS)]
            deadline = time.monotonic() + 30
            while _failures(caplog) < 3 or first[0] in seen[-1]:
                assert time.monotonic() < deadline, f"listening sessions seen: {seen[-5:]}"
                await asyncio.sleep(0.05)
                seen.append(await conn.fetchval(LISTENERS))
            crowded = [pids for pids in seen if len(pids) > 1]
            assert not crowded, f"listeners left open after errors: {crowded}"
        finally:
            await conn.execute(
                "ALTER FUNCTION directory.data_version_gone() RENAME TO data_version"
            )
    finally:
        await server.close()
    await _wait_for(conn, lambda pids: pids == [], 10)
    gc.collect()
    # A listener dropped without closing is only closed by asyncpg's finaliser, which says so.
    unclosed = [str(w.message) for w in recwarn if "unclosed connection" in str(w.message)]
    assert not unclosed, unclosed
