"""Fixtures: a real PostgreSQL, a database per test, our services started for real."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app as create_directory
from services.directory.auth import new_token
from services.directory.importing.run import import_document
from services.directory.paths import MIGRATIONS, OPENAPI, QUERIES_DIR, SCHEMA
from shared.http import origin_of
from shared.migrate import migrate
from shared.queries import Queries
from shared.settings import Settings
from shared.web import load_openapi
from tests.support.api import Api
from tests.support.openapi import OpenApi
from tests.support.postgres import server_url, unique_name, with_database

# The fixtures every test folder shares, in one layer (tests/support/): the directory-and-vcard
# pair, the mailing service with its SMTP server, the console's whole stack, the example host
# site, and one Chromium per test process. A folder's conftest.py holds only its own.
pytest_plugins = [
    "tests.support.services",
    "tests.support.mailing",
    "tests.support.stack",
    "tests.support.site",
    "tests.support.browser",
]

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "services" / "directory" / "demo.json"
SERVICE_TOKEN = "service-credential-for-tests"
DEMO_EMAILS = [
    "vida@norden.lt",
    "lina@diversitygroup.lt",
    "daina@norden.lv",
    "alda.sebre@sif.gov.lv",
    "ieva.raubisko@providus.lv",
    "madis.kanarbik@norden.ee",
    "zibas@unhcr.org",
    "jmk@jmk.ee",
]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With `-m fast`, a test module (or folder) without a fast test is not even imported:
    the tier pays for the pure functions it runs, not for the whole suite's imports."""
    if config.getoption("markexpr") != "fast":
        return None
    marker = "pytest.mark.fast"
    if collection_path.is_dir():
        modules = collection_path.rglob("test_*.py")
        return not any(marker in m.read_text(encoding="utf-8") for m in modules)
    if collection_path.name.startswith("test_") and collection_path.suffix == ".py":
        return marker not in collection_path.read_text(encoding="utf-8")
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A `fast` test may not start PostgreSQL: the fast tier stays a matter of seconds."""
    for item in items:
        needs = set(getattr(item, "fixturenames", ())) & {"pg_server", "aiohttp_client"}
        if item.get_closest_marker("fast") and needs:
            raise pytest.UsageError(f"{item.nodeid} is marked fast but uses {sorted(needs)}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of the PostgreSQL server (its maintenance database)."""
    with server_url() as url:
        yield url


@pytest.fixture(scope="session")
async def template_db(pg_server: str) -> AsyncIterator[str]:
    """A database with every migration applied, cloned for each test."""
    name = unique_name("kontakt_template")
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        conn = await asyncpg.connect(with_database(pg_server, name))
        try:
            await migrate(conn, SCHEMA, MIGRATIONS)
        finally:
            await conn.close()
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _create_database(pg_server: str, template: str | None) -> str:
    name = unique_name("kontakt_test")
    admin = await asyncpg.connect(pg_server)
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await admin.close()
    return name


async def _drop_database(pg_server: str, name: str) -> None:
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def demo_template(pg_server: str, template_db: str) -> AsyncIterator[str]:
    """The migrated template with the demo network loaded (once), for tests that use `demo`."""
    name = await _create_database(pg_server, template_db)
    conn = await _connect(with_database(pg_server, name))
    try:
        await _load_demo(conn, Queries.load(QUERIES_DIR))
    finally:
        await conn.close()
    yield name
    await _drop_database(pg_server, name)


@pytest.fixture
async def db_url(
    pg_server: str, template_db: str, demo_template: str, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A migrated database of this test's own (with the demo network when it uses `demo`:
    cloned with it rather than loading it again for every test)."""
    template = demo_template if "demo" in request.fixturenames else template_db
    name = await _create_database(pg_server, template)
    yield with_database(pg_server, name)
    await _drop_database(pg_server, name)


@pytest.fixture
async def empty_db_url(pg_server: str) -> AsyncIterator[str]:
    """A database with nothing in it, not even migrations."""
    name = await _create_database(pg_server, None)
    yield with_database(pg_server, name)
    await _drop_database(pg_server, name)


async def _connect(url: str) -> asyncpg.Connection:
    connection = await asyncpg.connect(url, server_settings={"search_path": "directory"})
    await connection.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )
    return connection


@pytest.fixture
async def conn(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test's database, for set-up and for looking at rows."""
    connection = await _connect(db_url)
    yield connection
    await connection.close()


@pytest.fixture
def queries() -> Queries:
    """The directory's named queries."""
    return Queries.load(QUERIES_DIR)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings for services under test."""
    return Settings.from_env(
        {},
        database_url=db_url,
        service_token=SERVICE_TOKEN,
        secret_key="secret-key-for-tests",
        max_body_bytes=64 * 1024,
        db_pool_max=4,
    )


async def _load_demo(conn: asyncpg.Connection, queries: Queries) -> None:
    doc = json.loads(DEMO.read_text(encoding="utf-8"))
    report = await import_document(conn, queries, doc)
    assert not report.counts()["rejected"], report.as_json()


@pytest.fixture
async def demo(conn: asyncpg.Connection, queries: Queries) -> None:
    """The FOR-IN demo network, loaded as `make run` loads it (in the template the test's
    database is cloned from; here only where a test brings a database of its own)."""
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM networks WHERE slug = 'for-in')"):
        await _load_demo(conn, queries)


@pytest.fixture
def iframe(settings: Settings) -> dict[str, str]:
    """The Origin the directory's own iframe and pages send when they ask for a reveal."""
    return {"Origin": origin_of(settings.public_directory_base)}


@pytest.fixture(scope="session")
def directory_spec() -> OpenApi:
    """The directory's OpenAPI document."""
    return OpenApi(load_openapi(OPENAPI))


@pytest.fixture
async def directory(settings: Settings, directory_spec: OpenApi) -> AsyncIterator[Api]:
    """The directory service, started for real on a local port."""
    async with TestClient(TestServer(create_directory(settings))) as client:
        yield Api(client, directory_spec)


MakeAccount = Callable[..., Awaitable[tuple[int, str]]]


@pytest.fixture
def make_account(conn: asyncpg.Connection, queries: Queries) -> MakeAccount:
    """Create an account with permissions and return (account id, API token)."""

    async def make(
        email: str,
        *,
        admin: bool = False,
        kind: str = "api",
        permissions: dict[str, tuple[str, ...]] | None = None,
    ) -> tuple[int, str]:
        account_id = await conn.fetchval(queries["account-by-email"], email)
        if account_id is None:
            account_id = await conn.fetchval(queries["insert-account"], email, email, admin)
        for slug, perms in (permissions or {}).items():
            network_id = await conn.fetchval("SELECT id FROM networks WHERE slug = $1", slug)
            await conn.execute(
                "INSERT INTO permissions VALUES ($1, $2, $3, $4, $5)",
                account_id,
                network_id,
                "edit_contacts" in perms,
                "manage_lists" in perms,
                "send_campaigns" in perms,
            )
        token, prefix, digest = new_token()
        await conn.fetchrow(queries["insert-token"], account_id, kind, "test", prefix, digest, None)
        return account_id, token

    return make


@pytest.fixture
async def admin_token(make_account: MakeAccount) -> str:
    """An admin's API token."""
    return (await make_account("admin@example.org", admin=True))[1]


def demo_contact_id(items: list[dict[str, Any]], family_name: str) -> int:
    """The id of a demo contact by family name."""
    return int(next(c["id"] for c in items if c["family_name"] == family_name))
