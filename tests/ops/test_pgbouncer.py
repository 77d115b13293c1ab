"""PgBouncer in transaction mode, the usual pooler in front of managed PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.conftest import MakeAccount
from tests.ops.conftest import run_step
from tests.ops.smoke import smoke_path
from tests.support.mailing import StartMailing
from tests.support.pgbouncer import pgbouncer

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def bouncer(pg_server: str) -> Iterator[str]:
    """PgBouncer with two server connections per database (stopped after the services)."""
    with pgbouncer(pg_server, pool_size=2) as url:
        yield url


async def test_the_smoke_path_and_a_burst_through_pgbouncer_in_transaction_mode(
    bouncer: str, db_url: str, start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    # Several service connections share each of PgBouncer's two server connections.
    pooled = bouncer + urlsplit(db_url).path
    # Correctness, not speed: a loaded machine may queue requests for the pool a while.
    mailing = await start_mailing(
        database_url=pooled, db_pooler="transaction", db_timeout=30.0, http_timeout=30.0
    )
    await smoke_path(mailing, make_account)
    _, token = await make_account("burst@example.ee", permissions={"ee": ("manage_lists",)})
    listed = await mailing.directory.get("/v1/networks/for-in/contacts?limit=50")
    ids = [c["id"] for c in listed.json["items"]]

    async def one(i: int) -> int:
        if i % 3 == 0:
            reply = await mailing.directory.get(f"/v1/networks/for-in/contacts?q=n{i}")
        elif i % 3 == 1:
            reply = await mailing.directory.get(f"/v1/contacts/{ids[i % len(ids)]}")
        else:
            reply = await mailing.api.as_(token).get("/v1/lists/ee-uudised")
        return reply.status

    # Mailing asks the directory about the caller: that wait is generous too.
    statuses = await asyncio.gather(*(one(i) for i in range(100)))
    assert set(statuses) == {200}, statuses


def test_the_migration_step_and_the_restore_check_work_through_pgbouncer(
    bouncer: str, db_url: str
) -> None:
    # The README's promise: the one-shot steps run through the pooler as the services do.
    # Each is its own process (as `kontakt migrate` and a Job run them); a statement a
    # previous process prepared under the same name stays on the server connection.
    pooled = bouncer + urlsplit(db_url).path
    for step in ("migrate", "restore-check", "migrate", "restore-check"):
        run = run_step(pooled, "services.directory", step, KONTAKT_DB_POOLER="transaction")
        assert "Traceback" not in run.stderr, run.stderr[-1500:]
        if step == "migrate":
            assert run.returncode == 0
            assert "directory: applied nothing (already current)" in run.stdout
        else:
            # Every check ran (this test database is a template's clone: its change log
            # was made elsewhere, which the check rightly reports).
            assert "directory: ok migrations" in run.stdout
            assert "directory: ok sequences" in run.stdout
            assert "grants: not checked: set KONTAKT_DB_RUNTIME_ROLE" in run.stdout
