"""`kontakt tokens list` holds one page of tokens, never all of them: the memory it takes is
the same for three times as many tokens (before, one query fetched and kept every one)."""

from __future__ import annotations

import argparse
import contextlib
import tracemalloc

import asyncpg
import pytest

from services.directory.cli import TOKENS_PAGE, cmd_tokens_list
from shared.settings import Settings

pytestmark = pytest.mark.usefixtures("demo")

# Tokens with long names, so what a page of them takes dwarfs the fixed costs.
GROW = """
INSERT INTO directory.tokens (account_id, kind, name, prefix, hash)
SELECT $3::bigint, 'read',
       repeat('Kadri Jõemets-Põldsaare telefon ', 8) || n, 'kt_' || n,
       sha256(convert_to('token ' || n, 'UTF8'))
  FROM generate_series($1::int, $1::int + $2::int - 1) n
"""


class Lines:
    """Standard output that counts the lines written and keeps none of them."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        """Count the line ends."""
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        """Nothing is kept."""


async def listed(settings: Settings) -> tuple[int, int]:
    """The most memory (bytes Python allocated) the command held, and the lines it printed."""
    out = Lines()
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(out):
            done = await cmd_tokens_list(settings, argparse.Namespace(account=None))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done == 0
    return peak, out.lines


async def test_tokens_list_holds_a_page_however_many_tokens_there_are(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    account = await conn.fetchval(
        "INSERT INTO directory.accounts (email, name) VALUES ('kadri@example.ee', 'Kadri')"
        " RETURNING id"
    )
    before = await conn.fetchval("SELECT count(*) FROM directory.tokens")
    await conn.execute(GROW, 1, 2 * TOKENS_PAGE, account)
    small, lines = await listed(settings)
    assert lines == 1 + before + 2 * TOKENS_PAGE  # the heading, then every token
    await conn.execute(GROW, 2 * TOKENS_PAGE + 1, 4 * TOKENS_PAGE, account)
    large, lines = await listed(settings)
    assert lines == 1 + before + 6 * TOKENS_PAGE
    # Three times the tokens (two pages, then six), about the same memory: one page at a time.
    assert large < 1.3 * small, (small, large)
