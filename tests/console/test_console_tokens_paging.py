"""The console lists tokens a page at a time, the ones that still work unless asked for all:
neither the tokens page nor the accounts page grows with an account's ended tokens."""

from __future__ import annotations

import html
import re

import asyncpg
import pytest

from services.console.routes.accounts import TOKENS_SHOWN
from services.console.routes.tokens import SHOWN
from tests.conftest import MakeAccount
from tests.support.sessions import signed_in
from tests.support.stack import Stack
from tests.support.tokens import MANY_TOKENS

pytestmark = pytest.mark.usefixtures("demo")

ROW = re.compile(r'<tr(?: class="expiring")?>\s*<th scope="row">')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


async def test_tokens_come_live_and_paged_with_the_ended_ones_on_asking(
    stack: Stack, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    account_id, admin = await make_account("haldur@example.ee", admin=True)
    await conn.execute(MANY_TOKENS, account_id, SHOWN + 20)
    await conn.execute(
        "UPDATE directory.tokens SET revoked_at = now() WHERE account_id = $1 AND name LIKE 'old %'"
        " AND substr(name, 5)::int % 3 = 0",
        account_id,
    )
    client = await signed_in(stack, admin)
    # Every one of them, and the ones that work (this sign-in's token among them).
    every = await conn.fetchval(
        "SELECT count(*) FROM directory.tokens WHERE account_id = $1", account_id
    )
    live = await conn.fetchval(
        "SELECT count(*) FROM directory.tokens WHERE account_id = $1 AND revoked_at IS NULL",
        account_id,
    )
    try:

        async def walk(url: str) -> tuple[int, int, bool]:
            rows, pages, revoked = 0, 0, False
            following: str | None = url
            while following:
                async with client.get(f"{stack.console}{following}") as page:
                    assert page.status == 200, following
                    text = await page.text()
                shown = len(ROW.findall(text))
                assert shown <= SHOWN
                rows, pages = rows + shown, pages + 1
                revoked = revoked or ">revoked<" in text
                found = NEXT.search(text)
                following = html.unescape(found.group(1)) if found else None
            return rows, pages, revoked

        assert await walk("/tokens") == (live, -(-live // SHOWN), False)
        assert await walk("/tokens?all=1") == (every, -(-every // SHOWN), True)
        # An admin sees another account's tokens the same way, from the accounts page.
        assert await walk(f"/accounts/{account_id}/tokens") == (live, -(-live // SHOWN), False)
        async with client.get(f"{stack.console}/accounts") as page:
            text = await page.text()
        section = text.split(f'id="account-{account_id}"', 1)[1].split("</section>", 1)[0]
        assert len(ROW.findall(section.split('<table class="tokens">', 1)[1])) == TOKENS_SHOWN
        assert ">revoked<" not in section
        assert f'href="/accounts/{account_id}/tokens"' in section
        assert f'href="/accounts/{account_id}/tokens?all=1"' in section
    finally:
        await client.close()
