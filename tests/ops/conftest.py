"""Fixtures for production operations: a PostgreSQL role that may read and write but not DDL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def as_role(url: str, role: str, password: str) -> str:
    """The same database URL, logging in as another role."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{role}:{password}@{host}", parts.path, parts.query, ""))


def run_step(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m ARGS` as the migration step runs (a fresh process, the owner's URL)."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "KONTAKT_DATABASE_URL": db_url, "KONTAKT_LOG_LEVEL": "WARNING", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@asynccontextmanager
async def login_role(pg_server: str, db_url: str) -> AsyncIterator[tuple[str, str]]:
    """A login role with no rights of its own: (name, password); dropped afterwards with
    what it was granted in `db_url`'s database."""
    name, password = f"kontakt_rt_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        yield name, password
    finally:
        owner = await asyncpg.connect(db_url)
        await owner.execute(f"DROP OWNED BY {name}")  # its grants in the test's database
        await owner.close()
        await admin.execute(f"DROP ROLE IF EXISTS {name}")
        await admin.close()


@pytest.fixture
async def runtime_role(pg_server: str, db_url: str) -> AsyncIterator[tuple[str, str]]:
    """A login role with no rights of its own in the test's database: (name, password)."""
    async with login_role(pg_server, db_url) as role:
        yield role


@pytest.fixture
async def empty_runtime_role(pg_server: str, empty_db_url: str) -> AsyncIterator[tuple[str, str]]:
    """The same, for a test on an empty database (`empty_db_url`)."""
    async with login_role(pg_server, empty_db_url) as role:
        yield role
