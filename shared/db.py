"""One asyncpg pool per service, started and closed by a `cleanup_ctx`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
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


async def create_pool(settings: Settings, schema: str) -> asyncpg.Pool:
    """A pool whose connections see `schema` first and decode jsonb."""
    pool = await asyncpg.create_pool(
        settings.require_database(),
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        timeout=settings.db_timeout,
        command_timeout=30,
        init=_init_connection,
        server_settings={
            "search_path": f"{schema},public",
            "application_name": f"kontakt-{schema}",
        },
    )
    assert pool is not None
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
