"""The previous release's schema contract: its migration list and its SQL, kept as a fixture.

`python -m tests.ops.previous_release` records the current code as "the previous release";
run it when a release is tagged (CONTRIBUTING.md). The test beside it checks that the
current migrations keep what that release's queries use (expand/contract).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from services.console.paths import MIGRATIONS as CONSOLE_MIGRATIONS
from services.console.paths import QUERIES_DIR as CONSOLE_QUERIES
from services.directory.paths import MIGRATIONS as DIRECTORY_MIGRATIONS
from services.directory.paths import QUERIES_DIR as DIRECTORY_QUERIES
from services.mailing.paths import MIGRATIONS as MAILING_MIGRATIONS
from services.mailing.paths import QUERIES_DIR as MAILING_QUERIES
from shared.migrate import discover
from shared.ratelimit import RATE_LIMITS

HERE = Path(__file__).with_name("previous_release")
# schema -> (migrations folder, query folders the service loads)
SCHEMAS = {
    "directory": (DIRECTORY_MIGRATIONS, (DIRECTORY_QUERIES, RATE_LIMITS)),
    "mailing": (MAILING_MIGRATIONS, (MAILING_QUERIES, RATE_LIMITS)),
    "console": (CONSOLE_MIGRATIONS, (CONSOLE_QUERIES,)),
}


def migration_list(folder: Path) -> list[str]:
    """One line per migration: version, name and checksum."""
    return [f"{m.version:03d} {m.name} {m.checksum}" for m in discover(folder)]


def record() -> None:
    """Write the current code's migration lists and queries as the previous release's."""
    shutil.rmtree(HERE, ignore_errors=True)
    for schema, (migrations, query_folders) in SCHEMAS.items():
        target = HERE / schema
        (target / "queries").mkdir(parents=True)
        (target / "migrations.txt").write_text("\n".join(migration_list(migrations)) + "\n")
        for folder in query_folders:
            for sql in sorted(folder.glob("*.sql")):
                shutil.copy(sql, target / "queries" / f"{folder.parent.name}-{sql.name}")


if __name__ == "__main__":
    record()
