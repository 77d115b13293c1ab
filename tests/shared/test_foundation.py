"""Migrations, named queries and settings: the parts every service stands on."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from services.directory.app import create_app
from services.directory.paths import MIGRATIONS, QUERIES_DIR, QUERY_FOLDERS, SCHEMA
from shared.migrate import MigrationError, discover, is_current, migrate
from shared.queries import Queries, QueryError
from shared.settings import SPEC, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
ALL = [m.version for m in discover(MIGRATIONS)]


async def test_migrations_from_empty_twice(empty_db_url: str) -> None:
    conn = await asyncpg.connect(empty_db_url)
    try:
        assert not await is_current(conn, SCHEMA, MIGRATIONS)
        assert await migrate(conn, SCHEMA, MIGRATIONS) == ALL
        assert await migrate(conn, SCHEMA, MIGRATIONS) == []
        assert await is_current(conn, SCHEMA, MIGRATIONS)
        rows = await conn.fetch("SELECT version, name FROM directory.schema_migrations")
        assert [r["version"] for r in rows] == ALL
        assert rows[0]["name"] == "directory"
    finally:
        await conn.close()


async def test_two_processes_migrating_at_once_apply_each_migration_once(empty_db_url: str) -> None:
    first, second = await asyncpg.connect(empty_db_url), await asyncpg.connect(empty_db_url)
    try:
        results = await asyncio.gather(
            migrate(first, SCHEMA, MIGRATIONS), migrate(second, SCHEMA, MIGRATIONS)
        )
        assert sorted(results) == [[], ALL]
        assert await first.fetchval("SELECT count(*) FROM directory.schema_migrations") == len(ALL)
    finally:
        await first.close()
        await second.close()


async def test_an_applied_migration_that_was_edited_stops_the_boot(
    empty_db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    conn = await asyncpg.connect(empty_db_url)
    try:
        await migrate(conn, SCHEMA, folder)
        edited = folder / "001_directory.sql"
        edited.write_text(edited.read_text() + "\n-- changed\n")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(conn, SCHEMA, folder)
        (folder / f"{len(ALL) + 2:03d}_gap.sql").write_text("SELECT 1;")
        with pytest.raises(MigrationError, match="missing"):
            await migrate(conn, SCHEMA, folder)
    finally:
        await conn.close()


async def test_a_typo_in_a_query_fails_at_boot(conn: asyncpg.Connection, tmp_path: Path) -> None:
    (tmp_path / "bad.sql").write_text("-- name: broken\nSELEC id FROM directory.contacts;\n")
    with pytest.raises(QueryError, match="broken"):
        await Queries.load(tmp_path).check(conn)
    await Queries.load(QUERIES_DIR).check(conn)


async def test_the_service_refuses_to_start_with_a_broken_query(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "queries"
    shutil.copytree(QUERIES_DIR, folder)
    sql = folder / "contacts.sql"
    sql.write_text(
        sql.read_text().replace(
            "FROM directory.contact_cards c\n WHERE (c.position",
            "FROM directory.contact_kards c\n WHERE (c.position",
        )
    )
    folders = (folder, *QUERY_FOLDERS[1:])
    monkeypatch.setattr("services.directory.app.QUERY_FOLDERS", folders)
    server = TestServer(create_app(settings))
    with pytest.raises(QueryError, match="page-all-contacts"):
        await server.start_server()
    await server.close()


@pytest.mark.fast
def test_query_files_are_well_formed(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("-- name: one\nSELECT 1;\n-- name: one\nSELECT 2;\n")
    with pytest.raises(QueryError, match="twice"):
        Queries.load(tmp_path)
    queries = Queries.load(QUERIES_DIR)
    assert "list-contacts" in queries
    with pytest.raises(QueryError):
        queries["no-such-query"]


@pytest.mark.fast
def test_settings_read_prefixed_variables_into_a_frozen_object() -> None:
    settings = Settings.from_env(
        {
            "KONTAKT_DIRECTORY_PORT": "9001",
            "DATABASE_URL": "postgresql://x/y",
            "KONTAKT_EMAIL_CHECK_DELIVERABILITY": "yes",
        }
    )
    assert settings.directory_port == 9001
    assert settings.database_url == "postgresql://x/y"
    assert settings.email_check_deliverability is True
    assert settings.mailing_port == 8082
    assert settings.directory_base == "http://127.0.0.1:9001"
    with pytest.raises(AttributeError):
        settings.directory_port = 1  # type: ignore[misc]


@pytest.mark.fast
def test_bad_settings_name_the_variable() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"KONTAKT_VCARD_PORT": "eighty", "KONTAKT_DB_TIMEOUT": "-1"})
    assert "KONTAKT_VCARD_PORT" in str(caught.value)
    assert "KONTAKT_DB_TIMEOUT" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KONTAKT_CHANGE_LOG_DAYS", "nan"),
        ("KONTAKT_LINK_DAYS", "1e9"),
        ("KONTAKT_OUTBOX_DAYS", "inf"),
        ("KONTAKT_DRAIN_SECONDS", "nan"),
        ("KONTAKT_DRAIN_SECONDS", "-inf"),
        ("KONTAKT_HOUSEKEEPING_INTERVAL", "nan"),
        ("KONTAKT_HTTP_TIMEOUT", "inf"),
    ],
)
@pytest.mark.fast
def test_spans_that_are_no_number_or_past_a_century_are_refused(name: str, value: str) -> None:
    # nan passed `value < 0` and broke pruning and shutdown later, far from the setting.
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


@pytest.mark.fast
def test_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in SPEC.values():
        assert f"`KONTAKT_{spec.env}`" in readme, spec.env


@pytest.mark.parametrize(
    "url",
    [
        "http://0.0.0.0:8082",
        "http://0:8082",
        "http://0.0.0.0.:8082",
        "http://000.000.000.000:8082",
        "http://0x0/",
        "http://%30.0.0.0/",
        "http://[::]:8082",
        "http://[::ffff:0.0.0.0]/",
        "ftp://news.example.org",
        "news.example.org",
    ],
)
@pytest.mark.fast
def test_a_public_url_that_points_at_no_host_is_refused_in_every_spelling(url: str) -> None:
    # Browsers read all of these as "this host" (WHATWG URL): links in mail would be dead.
    settings = Settings.from_env({})
    with pytest.raises(SettingsError, match="KONTAKT_PUBLIC_MAILING_URL"):
        settings.require_reachable(PUBLIC_MAILING_URL=url)


@pytest.mark.parametrize(
    "url", ["https://news.example.org", "http://127.0.0.1:8082", "http://[2001:db8::1]/"]
)
@pytest.mark.fast
def test_a_public_url_with_a_host_is_accepted(url: str) -> None:
    Settings.from_env({}).require_reachable(PUBLIC_MAILING_URL=url)
