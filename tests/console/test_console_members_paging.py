"""The console pages through a newsletter's members with the API's keyset, 50 at a time."""

from __future__ import annotations

import html
import re

import asyncpg
import pytest

from tests.support.newsletters import readers
from tests.support.sessions import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

MEMBER = re.compile(r'href="/lists/ee-uudised/members/\d+">([^<]+)</a>')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


async def test_every_member_once_over_pages_of_fifty_and_a_search_pages_too(
    stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    client = await signed_in(stack, coordinator)
    try:
        async with client.get(f"{stack.console}/lists") as page:
            found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert found is not None
        form = {"csrf": found.group(1), "slug": "ee-uudised", "network": "ee", "lang": "et"}
        form |= {"name": "Uudised", "from_name": "Madis", "from_address": "uudised@example.ee"}
        async with client.post(f"{stack.console}/lists", data=form, allow_redirects=False) as made:
            assert made.status in (200, 303), await made.text()
        await readers(conn, "ee-uudised", [f"r{n:03d}@example.ee" for n in range(117)], "Lugeja")
        await readers(conn, "ee-uudised", [f"k{n}@example.lt" for n in range(60)], "Kisevičienė")

        async def pages(first: str) -> list[list[str]]:
            shown: list[list[str]] = []
            url: str | None = first
            while url is not None:
                async with client.get(url) as page:
                    assert page.status == 200
                    text = await page.text()
                shown.append([html.unescape(m) for m in MEMBER.findall(text)])
                following = NEXT.search(text)
                url = (
                    f"{stack.console}/lists/ee-uudised{html.unescape(following.group(1))}"
                    if following
                    else None
                )
            return shown

        every = await pages(f"{stack.console}/lists/ee-uudised?status=confirmed")
        assert [len(p) for p in every] == [50, 50, 50, 27]
        flat = [a for p in every for a in p]
        assert len(set(flat)) == 177
        searched = await pages(f"{stack.console}/lists/ee-uudised?q=kisevi")
        assert [len(p) for p in searched] == [50, 10]
        assert {a for p in searched for a in p} == {f"k{n}@example.lt" for n in range(60)}
    finally:
        await client.close()
