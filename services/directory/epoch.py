"""The sync epoch: whether the change log was made in this database, and a new one after a
restore from a dump (`kontakt restore-check`, `kontakt new-epoch`; README "Restoring")."""

from __future__ import annotations

from services.directory.paths import QUERIES_DIR
from shared.conn import Conn
from shared.queries import Queries
from shared.restorecheck import Finding


async def epoch_findings(conn: Conn) -> list[Finding]:
    """The epoch check of `kontakt restore-check`: the change log is this database's own."""
    row = await conn.fetchrow(Queries.load(QUERIES_DIR)["epoch-home"])
    assert row is not None
    if row["made_in"] == row["here"]:
        return [Finding(True, "sync epoch", "the change log was made in this database")]
    return [
        Finding(
            False,
            "sync epoch",
            f"the change log was made in another database ({row['made_in']}, this is "
            f"{row['here']}): a restore from a dump; run `kontakt new-epoch` so every CardDAV "
            "client syncs afresh instead of trusting tokens from the old one",
        )
    ]


async def start_epoch(conn: Conn, q: Queries) -> int:
    """A new version and a change log that begins with it, here; its first version.

    Every sync token from before is then refused (403 valid-sync-token) and every ETag
    changes, so CardDAV clients read everything again. Runs in one transaction.
    """
    async with conn.transaction():
        await conn.execute(q["next-version"])
        first: int = await conn.fetchval(q["start-epoch"])
    return first
