"""Two requests racing for one row, made to meet: a row lock held by the test's own session.

The test locks the row, starts the requests, waits until PostgreSQL reports them waiting for
that lock (so each has done everything it does before writing), then lets go: they write one
after the other, in the order they queued, on the row the first one left.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg


@asynccontextmanager
async def row_held(db_url: str, lock_sql: str, *args: object) -> AsyncIterator[WaitFor]:
    """Hold the rows `lock_sql` (`SELECT … FOR UPDATE`) locks until the block ends.

    Yields `waiting(n)`: returns once `n` other sessions of this database wait for a lock.
    """
    conn = await asyncpg.connect(db_url, statement_cache_size=0)
    # Watched from a second session: a transaction sees pg_stat_activity as it first read it.
    watcher = await asyncpg.connect(db_url, statement_cache_size=0)
    transaction = conn.transaction()
    await transaction.start()
    try:
        assert await conn.fetch(lock_sql, *args), "the row to hold is not there"

        async def waiting(count: int, seconds: float = 30) -> None:
            deadline = time.monotonic() + seconds
            while True:
                found = await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
                if found >= count:
                    return
                if time.monotonic() > deadline:
                    others = await watcher.fetch(
                        "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity "
                        "WHERE datname = current_database()"
                    )
                    seen = "\n".join(str(dict(r)) for r in others)
                    raise AssertionError(f"{found} of {count} sessions reached the lock:\n{seen}")
                await asyncio.sleep(0.02)

        yield waiting
    finally:
        await transaction.rollback()
        await conn.close()
        await watcher.close()


WaitFor = Callable[..., Awaitable[None]]
