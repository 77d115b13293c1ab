"""Housekeeping: rows nobody needs any more (used tokens, old windows, sent mail, the change
log's tail) are pruned on a schedule, in short batches, each service in its own schema.

A service lists its `Prune` steps; `housekeeping_ctx` runs them every
KONTAKT_HOUSEKEEPING_INTERVAL seconds in the service's process, and
`python -m services.NAME housekeeping` (or `kontakt housekeeping` for all) runs them once,
for a Kubernetes CronJob. Each batch deletes at most KONTAKT_HOUSEKEEPING_BATCH rows in a
statement of its own (`... LIMIT n FOR UPDATE SKIP LOCKED`), so no lock is held for long
and copies pruning at the same time skip each other's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiohttp import web

from shared import metrics
from shared.db import create_pool
from shared.errors import DB_DOWN
from shared.queries import Queries
from shared.settings import Settings

log = logging.getLogger("kontakt.housekeeping")

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Prune:
    """One step: a named query and the retention (seconds) it is given.

    A batched step's query takes ($1 rows at most, $2 seconds; only $1 without `retention`)
    and answers the rows it deleted; it is repeated until a batch comes back short. A step
    with `batched=False` runs once with ($1 seconds) (moving the change log's horizon
    before its batches delete below it).
    """

    table: str
    query: str
    retention: Callable[[Settings], float] | None = None
    batched: bool = True


@dataclass(frozen=True, slots=True)
class Chores:
    """A service's housekeeping: its schema, the query folders it loads, its steps in order."""

    schema: str
    folders: tuple[Path, ...]
    steps: tuple[Prune, ...]

    def queries(self) -> Queries:
        """The service's queries, as its app loads them."""
        return Queries.load(*self.folders, schema=self.schema)


async def prune_once(settings: Settings, chores: Chores) -> dict[str, int]:
    """The one-shot (`python -m services.NAME housekeeping`): a small pool, every step once."""
    pool = await create_pool(settings.replace(db_pool_min=1, db_pool_max=1), chores.schema)
    try:
        return await prune(pool, chores.queries(), settings, chores.steps)
    finally:
        await pool.close()


async def prune(
    pool: asyncpg.Pool, queries: Queries, settings: Settings, steps: tuple[Prune, ...]
) -> dict[str, int]:
    """Run every step once; rows deleted by table (also counted in /metrics)."""
    deleted: dict[str, int] = {}
    batch = settings.housekeeping_batch
    for step in steps:
        retention = () if step.retention is None else (step.retention(settings),)
        if not step.batched:
            async with pool.acquire() as conn:
                await conn.execute(queries[step.query], *retention)
            continue
        total = 0
        while True:
            async with pool.acquire() as conn:
                count = int(await conn.fetchval(queries[step.query], batch, *retention) or 0)
            total += count
            if count < batch:
                break
        deleted[step.table] = deleted.get(step.table, 0) + total
        metrics.PRUNED.labels(step.table).inc(total)
    log.info("housekeeping done", extra={"deleted": deleted})
    return deleted


def housekeeping_ctx(
    chores: Chores,
    pool_key: web.AppKey[asyncpg.Pool],
    queries_key: web.AppKey[Queries],
    settings_key: web.AppKey[Settings],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx (after the pool's) that prunes every KONTAKT_HOUSEKEEPING_INTERVAL s."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[settings_key]
        task = None
        if settings.housekeeping_interval > 0:
            task = asyncio.create_task(
                _every(settings, app[pool_key], app[queries_key], chores.steps),
                name="housekeeping",
            )
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return ctx


async def _every(
    settings: Settings, pool: asyncpg.Pool, queries: Queries, steps: tuple[Prune, ...]
) -> None:
    interval = settings.housekeeping_interval
    while True:
        # A whole interval first (a start is busy enough), spread so copies do not meet.
        await asyncio.sleep(interval * random.uniform(1.0, 1.1))
        try:
            await prune(pool, queries, settings, steps)
        except (*DB_DOWN, asyncpg.PostgresError) as exc:
            log.warning("housekeeping failed: %s", type(exc).__name__)
