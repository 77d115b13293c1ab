"""`kontakt export` holds one page of contacts, never the directory: the memory it takes is
the same for five times as many contacts (before, it fetched and kept every one, then wrote
the whole file from one string)."""

from __future__ import annotations

import argparse
import json
import tracemalloc
from pathlib import Path

import asyncpg
import pytest

from services.directory.cli import cmd_export
from services.directory.export import PAGE
from shared.settings import Settings

pytestmark = pytest.mark.usefixtures("demo")

# Contacts as full as a real directory's (titles in four languages, a long organisation-less
# name, two addresses, a network), so what a page of them takes dwarfs the fixed costs.
GROW = """
WITH made AS (
    INSERT INTO directory.contacts (given_name, family_name, display_name, titles, position)
    SELECT 'Kadri ' || n, 'Jõemets-Põldsaar ' || n, 'Kadri Jõemets-Põldsaar ' || n,
           jsonb_build_object('en', repeat('Director of regional cooperation ', 6),
                              'et', repeat('Piirkondliku koostöö direktor ', 6),
                              'lv', repeat('Reģionālās sadarbības direktore ', 6),
                              'lt', repeat('Regioninio bendradarbiavimo direktorė ', 6)),
           1000 + n
      FROM generate_series($1::int, $1::int + $2::int - 1) n
    RETURNING id),
emails AS (
    INSERT INTO directory.contact_emails (contact_id, position, address)
    SELECT id, k, 'kadri.' || id || '.' || k || '@example.ee'
      FROM made CROSS JOIN generate_series(0, 1) k)
INSERT INTO directory.memberships (contact_id, network_id)
SELECT id, (SELECT id FROM directory.networks WHERE slug = 'ee') FROM made
"""


async def peak_of_export(settings: Settings, fmt: str, output: Path) -> int:
    """The most memory (bytes Python allocated) the command held while it exported."""
    tracemalloc.start()
    try:
        done = await cmd_export(settings, argparse.Namespace(format=fmt, output=str(output)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done == 0
    return peak


async def test_the_export_holds_a_page_however_large_the_directory(
    settings: Settings, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    before = await conn.fetchval("SELECT count(*) FROM directory.contacts")
    await conn.execute(GROW, 1, PAGE)
    out = tmp_path / "directory.json"
    small = {fmt: await peak_of_export(settings, fmt, out) for fmt in ("json", "csv")}
    await conn.execute(GROW, PAGE + 1, 4 * PAGE)
    large = {fmt: await peak_of_export(settings, fmt, out) for fmt in ("json", "csv")}
    for fmt in ("json", "csv"):
        # Five times the contacts, about the same memory (one page and a write's buffer).
        assert large[fmt] < 1.3 * small[fmt], (fmt, small[fmt], large[fmt])
    # And every contact is there, once, in order.
    await peak_of_export(settings, "json", out)
    written = json.loads(out.read_text(encoding="utf-8"))["contacts"]
    assert len(written) == before + 5 * PAGE
    assert len({c["uid"] for c in written}) == len(written)
    assert [c["position"] for c in written] == sorted(c["position"] for c in written)
