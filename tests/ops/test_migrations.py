"""Migrations as a step of their own: per service, idempotent, and services that only wait."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app as create_directory
from services.directory.paths import MIGRATIONS, SCHEMA
from services.mailing.paths import MIGRATIONS as MAILING_MIGRATIONS
from shared.migrate import MigrationError, discover, migrate
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.ops.conftest import as_role, run_step
from tests.ops.smoke import smoke_path
from tests.support.mailing import StartMailing

NEXT_RELEASE = "ALTER TABLE directory.contacts ADD COLUMN next_release_note text"


async def test_each_service_migrates_its_own_schema_once(empty_db_url: str) -> None:
    # The whole step, as the Kubernetes Job and the compose one-shot run it.
    first = run_step(empty_db_url, "services.directory.cli", "migrate")
    assert first.returncode == 0, first.stderr
    assert f"{len(discover(MIGRATIONS)):03d} to schema directory" in first.stdout
    assert "vcard: owns no tables" in first.stdout
    # Each service on its own, again: nothing left to do.
    again = run_step(empty_db_url, "services.mailing", "migrate")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "mailing: applied nothing (already current) to schema mailing"
    conn = await asyncpg.connect(empty_db_url)
    try:
        for schema, folder in (("directory", MIGRATIONS), ("mailing", MAILING_MIGRATIONS)):
            versions = await conn.fetch(f"SELECT version FROM {schema}.schema_migrations")
            assert len(versions) == len(discover(folder))
    finally:
        await conn.close()


async def test_services_run_under_a_role_without_ddl_rights(
    db_url: str,
    runtime_role: tuple[str, str],
    start_mailing: StartMailing,
    make_account: MakeAccount,
    demo: None,
) -> None:
    role, password = runtime_role
    step = run_step(db_url, "services.directory.cli", "migrate", KONTAKT_DB_RUNTIME_ROLE=role)
    assert step.returncode == 0, step.stderr
    runtime_url = as_role(db_url, role, password)
    conn = await asyncpg.connect(runtime_url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE directory.intruder (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("ALTER TABLE mailing.lists ADD COLUMN intruder int")
    finally:
        await conn.close()
    # Starting with KONTAKT_MIGRATE=true would need DDL: this role cannot even do that.
    # It is told so in one line naming the way out, not with a traceback.
    refused = run_step(runtime_url, "services.mailing", "migrate")
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr, refused.stderr[-1500:]
    assert "may not apply the migrations of schema mailing" in refused.stderr
    assert "KONTAKT_MIGRATE=false" in refused.stderr
    served = run_step(runtime_url, "services.directory.cli", "demo", "--if-empty")
    assert "Traceback" not in served.stderr, served.stderr[-1500:]
    # A misspelled runtime role is named, not a traceback.
    misspelled = run_step(
        db_url, "services.directory.cli", "migrate", KONTAKT_DB_RUNTIME_ROLE="kontakt_nosuch"
    )
    assert misspelled.returncode != 0
    assert "Traceback" not in misspelled.stderr, misspelled.stderr[-1500:]
    assert "'kontakt_nosuch', which does not exist" in misspelled.stderr
    mailing = await start_mailing(database_url=runtime_url, migrate=False)
    await smoke_path(mailing, make_account)


async def test_an_old_copy_runs_on_a_newer_schema_and_a_new_one_waits_for_its_own(
    db_url: str, settings: Settings
) -> None:
    conn = await asyncpg.connect(db_url)
    try:
        # A newer release's expand migration is applied, which this code does not know.
        await conn.execute(NEXT_RELEASE)
        await conn.execute(
            "INSERT INTO directory.schema_migrations (version, name, checksum) "
            "VALUES (999, 'next_release', 'x')"
        )
        assert await migrate(conn, SCHEMA, MIGRATIONS) == []  # an old copy restarting
        for migrating in (True, False):
            app = create_directory(settings.replace(migrate=migrating))
            async with TestClient(TestServer(app)) as client:
                ready = await client.get("/readyz")
                assert ready.status == 200, await ready.text()
                assert (await client.get("/v1/networks")).status == 200
        # This code's own newest migration is missing: not ready, and it names what is missing.
        newest = discover(MIGRATIONS)[-1]
        await conn.execute(
            "DELETE FROM directory.schema_migrations WHERE version = $1", newest.version
        )
        app = create_directory(settings.replace(migrate=False, migrate_wait=1.0))
        with pytest.raises(MigrationError, match=f"{newest.version:03d}_{newest.name}"):
            await TestServer(app).start_server()
        await conn.execute(
            "INSERT INTO directory.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            newest.version,
            newest.name,
            newest.checksum,
        )
        async with TestClient(TestServer(create_directory(settings))) as client:
            await conn.execute(
                "DELETE FROM directory.schema_migrations WHERE version = $1", newest.version
            )
            unready = await client.get("/readyz")
            assert unready.status == 503
            assert f"{newest.version:03d}_{newest.name}" in (await unready.json())["detail"]
    finally:
        await conn.close()
