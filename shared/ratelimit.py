"""Per-client budgets kept in PostgreSQL, so every copy of a service shares them."""

from __future__ import annotations

from pathlib import Path

from shared.conn import Conn
from shared.i18n import N_, Translator
from shared.queries import Queries
from shared.settings import Settings

# Services load these with their own (`Queries.load(QUERIES_DIR, RATE_LIMITS, schema=SCHEMA)`).
RATE_LIMITS = Path(__file__).parent / "queries"

# What a person over a budget reads (a page, the widget's answer), in whole minutes.
TRY_AGAIN = N_("Too many requests. Please try again in %(minutes)s min.")


def minutes_to_wait(seconds: int) -> int:
    """A wait in whole minutes, rounded up, never 0 (a person is told "1 min", not "0 min")."""
    return max(1, (seconds + 59) // 60)


def try_again(tr: Translator, seconds: int) -> str:
    """`TRY_AGAIN` in `tr`'s language for a wait of `seconds`."""
    return tr.gettext(TRY_AGAIN, minutes=minutes_to_wait(seconds))


async def over_limit(conn: Conn, q: Queries, bucket: str, limit: int, window: int) -> int | None:
    """Count one action in `bucket`; the seconds to wait when it exceeds `limit`, else None."""
    row = await conn.fetchrow(q["rate-hit"], bucket, window)
    assert row is not None
    return max(int(row["resets_in"]), 1) if row["hits"] > limit else None


def retention(settings: Settings) -> float:
    """Seconds a window is kept (housekeeping): KONTAKT_RATE_LIMIT_DAYS, and never less than
    two windows, since the sliding estimate reads the window before the current one."""
    return max(settings.rate_limit_days * 86_400, 2 * settings.reveal_window)
