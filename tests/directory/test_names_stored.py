"""Contact and account names stored before the one name rule are cleaned once by directory
migration 019, as the rule shows them again, with the classes the mailing service's 022 has."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import asyncpg

from services.directory.paths import MIGRATIONS, SCHEMA
from services.mailing.paths import MIGRATIONS as MAILING_MIGRATIONS
from shared.migrate import migrate
from shared.validate import person_name

CLEANING = 19
CLASS = re.compile(r"E'\[[^']+\]'")
# given, family, display: as an API that checked only C0/C1 controls, and an import, left them.
STORED = [
    ("Ona", "Kisevičienė\u200e", "Ona Kisevičienė\u200e"),
    ("\u202eanO", "Kisevičienė", "Dr \u2066Ona\u2069 Kisevičienė"),
    ("Daina", "Mežec\u200bka", "\u200e"),
    ("Madis", "Jõemets", "Madis Jõemets"),
    ("فاطمه\u200cزهرا", "", "Mari \U0001f469\u200d\U0001f4bb"),
]


def test_both_services_clean_names_with_the_same_character_classes() -> None:
    mailing = (MAILING_MIGRATIONS / "022_names_by_the_rule.sql").read_text(encoding="utf-8")
    directory = (MIGRATIONS / "019_names_by_the_rule.sql").read_text(encoding="utf-8")
    assert CLASS.findall(directory) == CLASS.findall(mailing)
    assert len(CLASS.findall(directory)) == 2


async def test_migration_019_cleans_contacts_and_accounts_and_gives_changed_ones_a_revision(
    empty_db_url: str, tmp_path: Path
) -> None:
    before = tmp_path / "migrations"
    before.mkdir()
    for path in sorted(MIGRATIONS.glob("*.sql"))[: CLEANING - 1]:
        shutil.copy(path, before / path.name)
    conn = await asyncpg.connect(empty_db_url)
    try:
        await migrate(conn, SCHEMA, before)
        for given, family, display in STORED:
            await conn.execute(
                "INSERT INTO directory.contacts (given_name, family_name, display_name)"
                " VALUES ($1, $2, $3)",
                given,
                family,
                display,
            )
        await conn.execute(
            "INSERT INTO directory.accounts (email, name) VALUES ('a@example.ee', $1)",
            "Kadri \u202eJõemets",
        )
        assert CLEANING in await migrate(conn, SCHEMA, MIGRATIONS)
        rows = await conn.fetch(
            "SELECT given_name, family_name, display_name, revision FROM directory.contacts"
            " ORDER BY id"
        )
        assert [tuple(r) for r in rows] == [
            ("Ona", "Kisevičienė", "Ona Kisevičienė", 2),
            ("anO", "Kisevičienė", "Dr Ona Kisevičienė", 2),
            # Nothing left of the display name: the given and family names, as shown without one.
            ("Daina", "Mežecka", "Daina Mežecka", 2),
            ("Madis", "Jõemets", "Madis Jõemets", 1),  # untouched: no new revision
            ("فاطمه\u200cزهرا", "", "Mari \U0001f469\u200d\U0001f4bb", 1),
        ]
        for given, family, display in STORED[:2]:
            cleaned = tuple(person_name(n)[0] for n in (given, family, display))
            assert cleaned in {tuple(r)[:3] for r in rows}
        name = await conn.fetchval("SELECT name FROM directory.accounts")
        assert name == "Kadri Jõemets"
    finally:
        await conn.close()
