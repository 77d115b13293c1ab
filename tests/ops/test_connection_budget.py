"""The connection budget: a copy whose pool cannot fit PostgreSQL's free connections says so."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app
from shared.settings import Settings
from tests.conftest import SERVICE_TOKEN
from tests.support.postgres import StoppablePostgres, with_database

MAX_CONNECTIONS = 12  # 3 of them reserved for superusers (PostgreSQL's default)


@pytest.fixture(scope="module")
def small_postgres() -> Iterator[StoppablePostgres]:
    """A server of this module's own, started with a low max_connections."""
    server = StoppablePostgres(Path(tempfile.mkdtemp(prefix="kontakt-budget-")))
    server.stop()
    server.start(f"max_connections={MAX_CONNECTIONS}")
    yield server
    server.close()


@pytest.fixture
async def small_db(small_postgres: StoppablePostgres) -> str:
    """An empty database on it (the directory migrates it at start)."""
    admin = await asyncpg.connect(small_postgres.url)
    await admin.execute("DROP DATABASE IF EXISTS budget WITH (FORCE)")
    await admin.execute("CREATE DATABASE budget")
    await admin.close()
    return with_database(small_postgres.url, "budget")


async def start_directory(url: str, caplog: pytest.LogCaptureFixture) -> tuple[list[str], str]:
    """Start a directory with a pool of 4 and its listener; (budget warnings, /metrics text)."""
    settings = Settings.from_env(
        {},
        database_url=url,
        service_token=SERVICE_TOKEN,
        secret_key="connection-budget-key",
        db_pool_max=4,
    )
    caplog.clear()
    client = TestClient(TestServer(create_app(settings)))
    with caplog.at_level(logging.WARNING, logger="kontakt.db"):
        await client.start_server()
    try:
        page = await (await client.get("/metrics")).text()
    finally:
        await client.close()
    warnings = [r.getMessage() for r in caplog.records if "connection budget" in r.getMessage()]
    return warnings, page


async def test_a_pool_that_cannot_fit_the_free_connections_is_named_at_start(
    small_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    # 12 - 3 reserved: 9 free before the directory's 4 + 1 listener. It fits.
    warnings, page = await start_directory(small_db, caplog)
    assert warnings == []
    assert "kontakt_db_connection_shortfall 0.0" in page

    # Five connections other copies hold: 4 left for its 5.
    others = [await asyncpg.connect(small_db) for _ in range(5)]
    try:
        warnings, page = await start_directory(small_db, caplog)
    finally:
        for other in others:
            await other.close()
    assert len(warnings) == 1, warnings
    assert "may open 5 connections (KONTAKT_DB_POOL_MAX 4 + 1 listener)" in warnings[0]
    assert "4 free of max_connections=12 (3 reserved, 6 in use)" in warnings[0]
    assert "kontakt_db_connection_shortfall 1.0" in page
