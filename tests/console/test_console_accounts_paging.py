"""The accounts page asks the directory the same few times however many accounts there are."""

from __future__ import annotations

import html
import re

import asyncpg
import pytest

from shared import metrics
from tests.conftest import MakeAccount
from tests.support.sessions import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

SECTION = re.compile(r'<section class="account" aria-labelledby="account-(\d+)">')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def directory_requests() -> float:
    """Requests the directory (in this process, as the stack runs it) has answered so far."""
    return sum(
        sample.value
        for family in metrics.REQUESTS.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
        and sample.labels["route"].startswith(("/v1/accounts", "/v1/tokens"))
    )


async def test_the_accounts_page_costs_two_directory_requests_at_any_size(
    stack: Stack, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    client = await signed_in(stack, admin)
    try:

        async def shown(url: str) -> tuple[list[int], str | None, float]:
            before = directory_requests()
            async with client.get(f"{stack.console}{url}") as page:
                assert page.status == 200
                text = await page.text()
            following = NEXT.search(text)
            ids = [int(i) for i in SECTION.findall(text)]
            return (
                ids,
                html.unescape(following.group(1)) if following else None,
                (directory_requests() - before),
            )

        few, more, cost_few = await shown("/accounts")
        assert more is None
        for n in range(70):
            await make_account(f"koordinaator{n:02d}@example.ee")
            if n % 2:
                await make_account(f"koordinaator{n:02d}@example.ee", kind="read")
        first, following, cost_first = await shown("/accounts")
        assert cost_first == cost_few == 2  # the accounts, then their tokens
        assert len(first) == 50
        assert following is not None
        second, last, cost_second = await shown(following)
        assert last is None
        assert cost_second == 2
        every = await conn.fetchval("SELECT count(*) FROM directory.accounts")
        assert sorted(first + second) == first + second
        assert len(set(first + second)) == every
        assert set(few) <= set(first)
    finally:
        await client.close()
