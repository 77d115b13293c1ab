"""One asyncpg pool per service, started and closed by a `cleanup_ctx`."""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeAlias

import asyncpg
import asyncpg.pool
from aiohttp import web

from shared import metrics
from shared.conn import Conn
from shared.migrate import migrate, wait_until_current
from shared.queries import Queries
from shared.settings import Settings
from shared.web import POOL_KEY

log = logging.getLogger("kontakt.db")


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, with diacritics kept as they are.
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: json.dumps(v, ensure_ascii=False),
        decoder=json.loads,
        schema="pg_catalog",
    )


# How many pool connections the current task holds: SMTP refuses to run while it is not 0.
_held: contextvars.ContextVar[int] = contextvars.ContextVar("connections_held", default=0)


def holding_connection() -> bool:
    """Whether this task holds a pool connection now (nothing slow may wait while it does)."""
    return _held.get() > 0


# What the pool hands out (a proxy that goes stale once released).
Proxy: TypeAlias = "asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"


class Pool(asyncpg.pool.Pool):
    """asyncpg's pool, counting the connections each task holds."""

    async def _acquire(self, timeout: float | None) -> Proxy:  # noqa: ASYNC109 (asyncpg's signature)
        connection: Proxy = await super()._acquire(timeout)  # type: ignore[misc]
        _held.set(_held.get() + 1)
        return connection

    async def release(self, connection: Proxy, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Give the connection back (the task holds one less)."""
        _held.set(max(0, _held.get() - 1))
        await super().release(connection, timeout=timeout)


async def create_pool(settings: Settings, schema: str) -> asyncpg.Pool:
    """A pool that decodes jsonb; every query names its schema, so no search_path is set.

    With KONTAKT_DB_POOLER=transaction (PgBouncer), connections send no startup parameters
    and keep no prepared statements: the next statement may reach another server connection.
    """
    pooled = settings.db_pooler == "transaction"
    # asyncpg.create_pool with our subclass: the same arguments it passes.
    pool: asyncpg.Pool = await Pool(
        settings.require_database(),
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=settings.db_timeout,
        command_timeout=30,
        init=_init_connection,
        statement_cache_size=0 if pooled else 100,
        server_settings={} if pooled else {"application_name": f"kontakt-{schema}"},
    )
    return pool


async def connect_once(settings: Settings) -> asyncpg.Connection:
    """One connection for a one-shot step (migrate, restore-check), as the pool connects.

    Through PgBouncer in transaction mode it keeps no prepared statements, or the second
    statement meets the first one's name on a server connection another client used.
    """
    pooled = settings.db_pooler == "transaction"
    conn: asyncpg.Connection = await asyncpg.connect(
        settings.require_database(),
        timeout=settings.db_timeout,
        statement_cache_size=0 if pooled else 100,
    )
    return conn


async def check_budget(conn: Conn, settings: Settings, listeners: int) -> int:
    """Warn when this copy's pool (and listeners) cannot fit in PostgreSQL's free connections.

    Free is max_connections less the reserved slots (superuser_reserved_connections and,
    from PostgreSQL 16, reserved_connections) and the client connections open now. Returns
    the shortfall (0 when it fits), also exported as `kontakt_db_connection_shortfall`.
    """
    if settings.db_pooler == "transaction":
        return 0  # the pooler's own pool is the budget that counts
    row = await conn.fetchrow(BUDGET)
    assert row is not None
    wanted = settings.db_pool_max + listeners
    # This connection is already counted as used, and is one of the pool's.
    free = row["max"] - row["reserved"] - row["used"] + 1
    shortfall = max(0, wanted - int(free))
    metrics.CONNECTION_SHORTFALL.set(shortfall)
    if shortfall:
        log.warning(
            "connection budget: this copy may open %d connections (KONTAKT_DB_POOL_MAX %d + %d "
            "listener), but PostgreSQL has %d free of max_connections=%d (%d reserved, %d in "
            "use); keep replicas x (pool + listeners) below max_connections, or use a pooler",
            wanted,
            settings.db_pool_max,
            listeners,
            free,
            row["max"],
            row["reserved"],
            row["used"],
        )
    return shortfall


BUDGET = """SELECT current_setting('max_connections')::int AS max,
                   current_setting('superuser_reserved_connections')::int
                   + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved,
                   (SELECT count(*)::int FROM pg_stat_activity
                     WHERE backend_type = 'client backend') AS used"""


async def prepare_schema(conn: Conn, settings: Settings, schema: str, migrations: Path) -> None:
    """Apply the migrations this code needs (KONTAKT_MIGRATE), or wait for the migration step."""
    if settings.migrate:
        await migrate(conn, schema, migrations, runtime_role=settings.db_runtime_role)
    else:
        await wait_until_current(conn, schema, migrations, settings.migrate_wait)


def database_ctx(
    schema: str,
    migrations: Path,
    queries: Queries,
    pool_key: web.AppKey[asyncpg.Pool],
    settings_key: web.AppKey[Settings],
    listeners: int = 0,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx that opens the pool, prepares the schema and checks every query.

    `listeners`: connections the service opens beside the pool (LISTEN), for the budget.
    """

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[settings_key]
        pool = await create_pool(settings, schema)
        try:
            async with pool.acquire() as conn:
                await check_budget(conn, settings, listeners if settings.listen_url else 0)
                await prepare_schema(conn, settings, schema, migrations)
                await queries.check(conn)
            app[pool_key] = pool
            app[POOL_KEY] = pool  # for /metrics
            yield
        finally:
            await pool.close()

    return ctx
