"""Housekeeping keeps tables bounded; a sync token older than the pruned change log is 403."""

from __future__ import annotations

import logging
import re

import asyncpg
import pytest

from services.console.paths import MIGRATIONS as CONSOLE_MIGRATIONS
from services.directory.housekeeping import CHORES
from services.directory.keys import POOL, QUERIES
from services.mailing.paths import MIGRATIONS as MAILING_MIGRATIONS
from shared.housekeeping import prune
from shared.migrate import migrate
from shared.settings import Settings
from tests.ops.conftest import run_step
from tests.support.dav import inner
from tests.support.replay import Replay, load, run
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_token_older_than_the_pruned_change_log_is_403_and_the_client_syncs_afresh(
    services: Pair,
    admin_token: str,
    settings: Settings,
    conn: asyncpg.Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    listing = await services.directory.get("/v1/networks/for-in/contacts?limit=200")
    kanarbik = next(c for c in listing.json["items"] if c["family_name"] == "Kanarbik")
    editor = services.directory.as_(admin_token)
    app = services.directory_server.app
    held: dict[str, str] = {}

    async def edit_and_prune(_: str) -> None:
        # Two edits after the client's token, then everything older than now is pruned:
        # the second edit's changes stay, the first's go, and with them the token's answer.
        for title in ("First edit", "Second edit"):
            answer = await editor.patch(
                f"/v1/contacts/{kanarbik['id']}", json={"titles": {"en": title}}
            )
            assert answer.status == 200
        before = await conn.fetchval("SELECT count(*) FROM directory.contact_changes")
        deleted = await prune(
            app[POOL], app[QUERIES], settings.replace(change_log_days=0), CHORES.steps
        )
        assert deleted["directory.contact_changes"] > 0
        assert deleted["directory.versions"] > 0
        assert await conn.fetchval("SELECT count(*) FROM directory.contact_changes") < before
        scraped = await services.directory.client.get("/metrics")
        assert 'kontakt_housekeeping_deleted_rows_total{table="directory.contact_changes"}' in (
            await scraped.text()
        )
        # The directory names the token as too old (not as one it never issued).
        gone = await services.directory.get(f"/v1/sync?since={held['since']}&network=ee")
        assert gone.status == 410
        assert gone.json["errors"][0]["field"] == "since"

    async def pause(step: str) -> None:
        held["since"] = inner(replay.values["token"])
        await edit_and_prune(step)

    replay = Replay(services.vcard.client)
    with caplog.at_level(logging.WARNING):
        await run(replay, load("davx5-pruned.yaml"), pause)
    refused = next(a for a in replay.answers if a.step == "changes since a pruned token")
    assert refused.status == 403
    assert refused.root is not None
    assert refused.root.find("{DAV:}valid-sync-token") is not None
    # The full sync brought the second edit; the new token answers with nothing more.
    cards = replay.cards()
    assert len(cards) == 5
    card = cards[f"/dav/addressbooks/ee/{kanarbik['uid']}.vcf"]
    assert "TITLE;LANGUAGE=en:Second edit" in card  # the edit gave it in English
    assert replay.values["fetch"] == []
    # The vcard service's own book was older than the change log too: read again, not a
    # restore (nothing else dropped).
    assert not [r for r in caplog.records if "went back" in r.getMessage()]


async def test_the_cronjob_prunes_each_schema_in_batches_and_keeps_what_is_recent(
    db_url: str, conn: asyncpg.Connection
) -> None:
    for schema, folder in (("mailing", MAILING_MIGRATIONS), ("console", CONSOLE_MIGRATIONS)):
        await migrate(conn, schema, folder)
    account = await conn.fetchval(
        "INSERT INTO directory.accounts (email) VALUES ('old@example.ee') RETURNING id"
    )
    old, recent = "now() - interval '40 days'", "now() - interval '1 hour'"
    # Five of each that nobody needs any more, one of each still in use.
    for when, count in ((old, 5), (recent, 1)):
        for _ in range(count):
            await conn.execute(
                f"""
                WITH t AS (
                    INSERT INTO directory.tokens (account_id, prefix, hash, expires_at, session)
                    VALUES ($1, 'x', sha256(gen_random_uuid()::text::bytea), {when}, true)),
                l AS (
                    INSERT INTO directory.signin_links (account_id, code_hash, expires_at)
                    VALUES ($1, sha256(gen_random_uuid()::text::bytea), {when})),
                r AS (
                    INSERT INTO directory.rate_limits (bucket, window_start)
                    VALUES (gen_random_uuid()::text, {when})),
                m AS (
                    INSERT INTO mailing.rate_limits (bucket, window_start)
                    VALUES (gen_random_uuid()::text, {when})),
                u AS (
                    INSERT INTO mailing.used_tokens (nonce_hash, used_at)
                    VALUES (sha256(gen_random_uuid()::text::bytea), {when})),
                o AS (
                    INSERT INTO mailing.outbox (kind, lang, give_up_at, done_at, outcome)
                    VALUES ('test', 'et', {when}, {when}, 'sent')),
                s AS (
                    INSERT INTO console.sessions (cookie_hash, account_id, token_id,
                                                  sealed_token, lang, expires_at)
                    VALUES (sha256(gen_random_uuid()::text::bytea), $1, 0, '\\x00', 'et', {when}))
                INSERT INTO console.outbox (address, lang, give_up_at, done_at, outcome)
                VALUES ('', 'et', {when}, {when}, 'sent')
                """,
                account,
            )
    # A session token that made a read token stays, so revoking up the chain still works.
    parent = await conn.fetchval(
        f"""INSERT INTO directory.tokens (account_id, prefix, hash, expires_at, session)
            VALUES ($1, 'x', sha256(gen_random_uuid()::text::bytea), {old}, true) RETURNING id""",
        account,
    )
    await conn.execute(
        """INSERT INTO directory.tokens (account_id, kind, prefix, hash, parent_id)
           VALUES ($1, 'read', 'x', sha256(gen_random_uuid()::text::bytea), $2)""",
        account,
        parent,
    )
    # The demo import's change log, made 40 days ago; then one edit now.
    await conn.execute(f"UPDATE directory.versions SET made_at = {old}")
    await conn.execute(f"UPDATE directory.contact_changes SET changed_at = {old}")
    logged = await conn.fetchval("SELECT count(*) FROM directory.contact_changes")
    await conn.execute("UPDATE directory.contacts SET position = position + 1 WHERE id = 1")
    # Six deleted contacts: five past their time to restore (purged), one still restorable.
    deleted = await conn.fetch("SELECT id FROM directory.contacts ORDER BY id DESC LIMIT 6")
    await conn.execute(
        """UPDATE directory.contacts SET deleted_at = now() - interval '1 hour',
                  restore_until = now() - interval '1 minute' WHERE id = ANY($1::bigint[])""",
        [r["id"] for r in deleted[1:]],
    )
    await conn.execute(
        """UPDATE directory.contacts SET deleted_at = now(),
                  restore_until = now() + interval '15 minutes' WHERE id = $1""",
        deleted[0]["id"],
    )

    step = run_step(
        db_url, "services.directory.cli", "housekeeping", KONTAKT_HOUSEKEEPING_BATCH="2"
    )
    assert step.returncode == 0, step.stderr
    printed = {table: int(count) for table, count in re.findall(r"(\w+\.\w+) (\d+)", step.stdout)}
    assert printed == {
        "directory.versions": printed["directory.versions"],
        "directory.contact_changes": logged,
        "directory.contacts": 5,
        "directory.signin_links": 5,
        "directory.tokens": 5,
        "directory.rate_limits": 5,
        "mailing.used_tokens": 5,
        "mailing.preference_links": 0,
        "mailing.rate_limits": 5,
        "mailing.outbox": 5,
        "mailing.subscription_counts": 0,  # folded, not pruned: no list has delta rows here
        "mailing.delivery_counts": 0,  # folded, not pruned: no campaign has any here
        "console.sessions": 5,
        "console.outbox": 5,
    }, step.stdout
    assert "vcard: owns no tables" in step.stdout
    deleted_left = "SELECT count(*) FROM directory.contacts WHERE deleted_at IS NOT NULL"
    assert await conn.fetchval(deleted_left) == 1
    for table, left in {
        "directory.signin_links": 1,
        "directory.tokens": 3,  # the recent one, the parent and its read token
        "directory.rate_limits": 1,
        "mailing.used_tokens": 1,
        "mailing.rate_limits": 1,
        "mailing.outbox": 1,
        "console.sessions": 1,
        "console.outbox": 1,
    }.items():
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == left, table
    # The edit made now is still in the log, and the latest version with it.
    assert await conn.fetchval("SELECT count(*) FROM directory.contact_changes") > 0
    assert await conn.fetchval("SELECT count(*) FROM directory.versions") >= 1
