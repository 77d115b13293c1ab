"""Watching our services from outside, without changing them: the statements a service's
pool runs inside requests (asyncpg's query loggers), whether an outbox is empty, and waiting
for a condition instead of for time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg
from asyncpg.connection import LoggedQuery

from shared.logs import request_id_var


async def until(condition: Callable[[], bool], within: float = 30, every: float = 0.02) -> None:
    """Wait until `condition()` holds; AssertionError when it still does not after `within` s."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"still not so after {within} s"
        await asyncio.sleep(every)


@asynccontextmanager
async def statements_in_requests(pool: asyncpg.Pool) -> AsyncIterator[list[str]]:
    """Every SQL statement the pool's connections run for a request, while the block runs."""
    seen: list[str] = []
    housekeeping: set[str] = set()

    def note(record: LoggedQuery) -> None:
        # Called in the querying task's context: only work done for a request counts, and
        # not asyncpg's own reset of a connection going back to the pool.
        query = " ".join(record.query.split())
        if request_id_var.get() is not None and query not in housekeeping:
            seen.append(query)

    # Every connection the pool may ever hand out gets the logger (they stay in the pool).
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    housekeeping.update(" ".join(c.get_reset_query().split()) for c in held)
    for conn in held:
        conn.add_query_logger(note)
    for conn in held:
        await pool.release(conn)
    try:
        yield seen
    finally:
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        for conn in held:
            conn.remove_query_logger(note)
        for conn in held:
            await pool.release(conn)


async def drained(db_url: str, table: str, seconds: float = 30) -> None:
    """Wait until every row of an outbox `table` (`mailing.outbox`) has its outcome."""
    # No statement cache: the URL may lead through PgBouncer in transaction mode.
    conn = await asyncpg.connect(db_url, statement_cache_size=0)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            waiting = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE done_at IS NULL")
            if not waiting:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{table} still holds unsent mail after {seconds} s")
    finally:
        await conn.close()
