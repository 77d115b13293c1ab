"""Per-client budgets kept in PostgreSQL, so every copy of a service shares them."""

from __future__ import annotations

import random
from pathlib import Path

from shared.conn import Conn
from shared.queries import Queries

# Services load these with their own (`Queries.load(QUERIES_DIR, RATE_LIMITS, schema=SCHEMA)`).
RATE_LIMITS = Path(__file__).parent / "queries"
SWEEP_CHANCE = 0.01


async def over_limit(conn: Conn, q: Queries, bucket: str, limit: int, window: int) -> int | None:
    """Count one action in `bucket`; the seconds to wait when it exceeds `limit`, else None."""
    row = await conn.fetchrow(q["rate-hit"], bucket, window)
    # Old windows go now and then, so the table stays small without a scheduled job.
    if random.random() < SWEEP_CHANCE:
        await conn.execute(q["rate-sweep"])
    assert row is not None
    return max(int(row["resets_in"]), 1) if row["hits"] > limit else None
