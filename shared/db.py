"""One asyncpg pool per service, started and closed by a `cleanup_ctx`."""

from __future__ import annotations

import contextvars
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import asyncpg.pool
from aiohttp import web

from shared.conn import Conn
from shared.migrate import migrate, wait_until_current
from shared.queries import Queries
from shared.settings import Settings


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


class Pool(asyncpg.pool.Pool):
    """asyncpg's pool, counting the connections each task holds."""

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109 (asyncpg's signature)
        connection = await super()._acquire(timeout)  # type: ignore[misc]
        _held.set(_held.get() + 1)
        return connection

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Give the connection back (the task holds one less)."""
        _held.set(max(0, _held.get() - 1))
        await super().release(connection, timeout=timeout)


async def create_pool(settings: Settings, schema: str) -> asyncpg.Pool:
    """A pool whose connections see `schema` first and decode jsonb."""
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
        server_settings={
            "search_path": f"{schema},public",
            "application_name": f"kontakt-{schema}",
        },
    )
    return pool


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
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx that opens the pool, prepares the schema and checks every query."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        pool = await create_pool(app[settings_key], schema)
        try:
            async with pool.acquire() as conn:
                await prepare_schema(conn, app[settings_key], schema, migrations)
                await queries.check(conn)
            app[pool_key] = pool
            yield
        finally:
            await pool.close()

    return ctx
