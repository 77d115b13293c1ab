"""An import into a large directory reads what it matches by key, never whole tables.

The tables are filled here in one go and never analysed, as they are right after a large
import: the planner then knows their size but nothing of their values, which is when a
statement over a chunk's 500 keys chose to scan a table once for each chunk.
"""

from __future__ import annotations

import asyncpg
import pytest

from services.directory.importing.engine import Importer, Options
from services.directory.importing.run import pieces, reader_for, run_import
from shared.queries import Queries

pytestmark = pytest.mark.usefixtures("demo")

EXISTING = 20_000
# Tables whose size grows with the directory.
LARGE = ("contacts", "contact_emails", "contact_phones", "memberships", "contact_changes")


async def _fill(conn: asyncpg.Connection) -> None:
    """EXISTING contacts in the demo's Estonian network, each with an address and a number."""
    await conn.execute(
        """
        WITH made AS (
          INSERT INTO contacts (uid, given_name, family_name, display_name, titles, position,
                                published)
          SELECT gen_random_uuid(), 'Mari', 'Tamm ' || i, 'Mari Tamm ' || i, '{}', 0, true
            FROM generate_series(1, $1) i
          RETURNING id, family_name),
        emails AS (
          INSERT INTO contact_emails (contact_id, position, address)
          SELECT id, 0, 'mari.' || substr(family_name, 6) || '@example.ee' FROM made),
        phones AS (
          INSERT INTO contact_phones (contact_id, position, e164, written, kind)
          SELECT id, 0, '+37250' || lpad(substr(family_name, 6), 6, '0'), '5000', 'cell'
            FROM made)
        INSERT INTO memberships (contact_id, network_id, role)
        SELECT id, (SELECT id FROM networks WHERE slug = 'ee'), 'member' FROM made
        """,
        EXISTING,
    )


async def _sequential_scans(conn: asyncpg.Connection) -> dict[str, int]:
    """How many times each large table has been read whole (this backend's counts flushed)."""
    await conn.execute("SELECT pg_stat_force_next_flush()")
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    rows = await conn.fetch(
        "SELECT relname, seq_scan FROM pg_stat_user_tables"
        " WHERE schemaname = 'directory' AND relname = ANY($1::text[])",
        list(LARGE),
    )
    return {r["relname"]: r["seq_scan"] for r in rows}


async def test_an_import_into_a_large_directory_reads_no_table_whole(
    conn: asyncpg.Connection, queries: Queries
) -> None:
    await _fill(conn)
    lines = ["given_name,family_name,phones,emails"]
    # New people with an address; people already there by address (updated); cards with
    # only a number (matched by number and name); new people with only a number.
    lines += [f"Liis,Kask {i},+372 5100 {i:04d},liis.{i}@example.ee" for i in range(300)]
    lines += [f"Mari,Tamm {i},+372 5200 {i:04d},mari.{i}@example.ee" for i in range(1, 101)]
    lines += [f"Mari,Tamm {i},+372 50{i:06d}," for i in range(101, 151)]
    lines += [f"Peeter,Mets {i},+372 5300 {i:04d}," for i in range(50)]
    body = ("\r\n".join(lines) + "\r\n").encode()
    before = await _sequential_scans(conn)
    assert before.keys() == set(LARGE)

    report = await run_import(
        conn,
        queries,
        reader_for("csv", 2**30, "et"),
        pieces(body),
        Options(network="ee", lang="et"),
        Importer(is_admin=True, may_edit=lambda _: True),
    )

    counts = report.counts()
    assert (counts["created"], counts["updated"], counts["rejected"]) == (350, 150, 0)
    assert await _sequential_scans(conn) == before
