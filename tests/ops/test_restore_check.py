"""The restore procedure (README "Restoring from a backup"), step by step with the real tools:
pg_dump, pg_restore into a new database, `kontakt migrate`, `kontakt new-epoch`, and
`kontakt restore-check`, which passes only when everything holds."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.console.paths import MIGRATIONS as CONSOLE_MIGRATIONS
from services.directory.app import create_app
from services.mailing.paths import MIGRATIONS as MAILING_MIGRATIONS
from shared.migrate import migrate
from shared.settings import Settings
from tests.ops.conftest import run_step
from tests.support.postgres import pg_program, unique_name, with_database

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
async def restored(
    pg_server: str,
    db_url: str,
    runtime_role: tuple[str, str],
    conn: asyncpg.Connection,
    tmp_path: Path,
) -> AsyncIterator[tuple[str, str, str]]:
    """The test's database with every schema, dumped with pg_dump and restored with
    pg_restore into a new one as a managed database takes it (no owners, no grants):
    (its URL, the runtime role, a sync token a client held before the dump)."""
    role, _ = runtime_role
    for schema, folder in (("mailing", MAILING_MIGRATIONS), ("console", CONSOLE_MIGRATIONS)):
        await migrate(conn, schema, folder, runtime_role=role)
    token = await conn.fetchval(
        "SELECT directory.data_version() || '.' || pg_current_snapshot()::text"
    )
    name = unique_name("kontakt_restored")
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(pg_server, name)
    try:
        dump = tmp_path / "kontakt.dump"
        for program, *args in (
            ("pg_dump", "--format=custom", f"--file={dump}", f"--dbname={db_url}"),
            ("pg_restore", "--no-owner", "--no-acl", f"--dbname={url}", str(dump)),
        ):
            done = await asyncio.to_thread(
                subprocess.run,
                [pg_program(program), *args],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        yield url, role, token
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def kontakt(url: str, role: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`kontakt ARGS` as the operator runs it: the owner's URL and the runtime role."""
    return run_step(url, "services.directory.cli", *args, KONTAKT_DB_RUNTIME_ROLE=role)


async def test_a_restore_is_checked_and_fails_on_what_would_break_the_services(
    restored: tuple[str, str, str], settings: Settings
) -> None:
    url, role, token = restored
    # Straight after pg_restore: the grants are gone, and the change log is another
    # database's (its transaction ids mean nothing here).
    check = kontakt(url, role, "restore-check")
    assert check.returncode == 1, check.stdout + check.stderr
    for service in ("directory", "mailing", "console"):
        assert f"{service}: FAIL grants to {role}: no USAGE on schema {service}" in check.stdout
        assert f"{service}: ok migrations" in check.stdout
        assert f"{service}: ok sequences" in check.stdout
    assert "directory: FAIL sync epoch: the change log was made in another database" in (
        check.stdout
    ), check.stdout

    # The procedure: the migration step grants again, a new epoch, then the check passes.
    assert kontakt(url, role, "migrate").returncode == 0
    epoch = kontakt(url, role, "new-epoch")
    assert epoch.returncode == 0, epoch.stderr
    assert "every CardDAV client will sync afresh" in epoch.stdout
    check = kontakt(url, role, "restore-check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "FAIL" not in check.stdout
    assert "directory: ok sync epoch" in check.stdout
    assert "mailing: ok campaigns" in check.stdout
    assert "vcard: owns no tables" in check.stdout

    # A directory on the restored database refuses the token a client held from before
    # (its CardDAV client gets 403 valid-sync-token and syncs afresh); a fresh one works.
    client = TestClient(TestServer(create_app(settings.replace(database_url=url))))
    await client.start_server()
    try:
        old = await client.get("/v1/sync", params={"since": token, "network": "ee"})
        assert old.status == 410
        fresh = (await (await client.get("/v1/sync")).json())["token"]
        again = await client.get("/v1/sync", params={"since": fresh, "network": "ee"})
        assert again.status == 200
    finally:
        await client.close()

    # Broken on purpose: a sequence behind its column (a data-only restore), a campaign the
    # backup caught while sending, and a migration the release needs that the restored
    # database lacks (an older backup).
    owner = await asyncpg.connect(url)
    try:
        await owner.execute("SELECT setval('directory.contacts_id_seq', 1)")
        await owner.execute(
            """WITH l AS (INSERT INTO mailing.lists (slug, network, lang, names, from_name,
                                                     from_address)
                          VALUES ('ee', 'ee', 'et', '{"et": "Uudised"}', 'FOR-IN',
                                  'info@norden.ee') RETURNING id)
               INSERT INTO mailing.campaigns (list_id, subject, body, status)
               SELECT id, 'Jõulud', 'Tere', 'sending' FROM l"""
        )
    finally:
        await owner.close()
    check = kontakt(url, role, "restore-check")
    assert check.returncode == 1
    assert "mailing: FAIL campaigns: 1 were sending when the backup was taken" in check.stdout
    owner = await asyncpg.connect(url)
    try:
        await owner.execute("DELETE FROM mailing.schema_migrations WHERE version = 11")
    finally:
        await owner.close()
    check = kontakt(url, role, "restore-check")
    assert check.returncode == 1
    assert (
        "directory: FAIL sequences: directory.contacts_id_seq would give 2, but "
        "directory.contacts.id holds"
    ) in check.stdout
    assert "mailing: FAIL migrations: 011_outbox not applied: run `kontakt migrate`" in (
        check.stdout
    )
    assert "console: FAIL" not in check.stdout
