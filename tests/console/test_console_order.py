"""Reordering contacts in the console: drag and drop, and buttons, over the whole order."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.support.contacts import more_contacts
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


async def _order(conn: asyncpg.Connection, slug: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT c.display_name FROM contacts c JOIN memberships m ON m.contact_id = c.id "
        "JOIN networks n ON n.id = m.network_id WHERE n.slug = $1 ORDER BY c.position, c.id",
        slug,
    )
    return [r["display_name"] for r in rows]


async def test_drag_a_contact_into_place(
    page: Page, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    await sign_in(page, stack, coordinator)
    names = await page.locator("tbody th").all_inner_texts()
    assert len(names) >= 3
    await page.locator("tbody tr").nth(0).drag_to(page.locator("tbody tr").nth(2))
    await expect(page.locator("tbody th").nth(2)).to_have_text(names[0])
    assert await page.locator("tbody th").all_inner_texts() == [
        names[1],
        names[2],
        names[0],
        *names[3:],
    ]
    assert (await _order(conn, "ee"))[:3] == [names[1], names[2], names[0]]
    # And back up, dropped on the first row.
    await page.locator("tbody tr").nth(2).drag_to(page.locator("tbody tr").nth(0))
    await expect(page.locator("tbody th").nth(0)).to_have_text(names[0])
    assert await page.locator("tbody th").all_inner_texts() == names


async def test_buttons_move_past_the_two_hundredth_contact_without_javascript(
    page_without_js: Page, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    page = page_without_js
    await more_contacts(conn, "ee", 230)
    before = await _order(conn, "ee")
    await sign_in(page, stack, coordinator)
    # The page shows the first 200; the last of them moves down past the 200th into the rest.
    last = page.locator("tbody tr").last
    name = await last.locator("th").inner_text()
    await last.get_by_role("button", name=f"Move down: {name}").click()
    after = await _order(conn, "ee")
    index = before.index(name)
    assert after[index + 1] == name
    assert after[index] == before[index + 1]
    assert sorted(after) == sorted(before)


async def test_the_list_pages_through_every_contact_past_the_two_hundredth(
    page: Page, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    await more_contacts(conn, "ee", 230)
    every = await _order(conn, "ee")
    assert len(every) > 200
    await sign_in(page, stack, coordinator)
    seen: list[str] = []
    while True:
        seen += await page.locator("tbody th").all_inner_texts()
        following = page.get_by_role("link", name="Next page")
        if not await following.count():
            break
        await following.click()
        await expect(page.get_by_role("link", name="First page")).to_be_visible()
    assert seen == every  # each contact once, in order, across pages of at most 200
    # A row on a later page moves up past the page's top, and the page stays where it was.
    first = page.locator("tbody tr").first
    name = await first.locator("th").inner_text()
    url = page.url
    await first.get_by_role("button", name=f"Move up: {name}").click()
    await expect(page.locator("tbody th").first).not_to_have_text(name)
    assert "after=" in page.url
    assert page.url.split("?")[1] == url.split("?")[1]
    moved = await _order(conn, "ee")
    assert moved.index(name) == every.index(name) - 1
    await page.get_by_role("link", name="First page").click()
    assert len(await page.locator("tbody th").all_inner_texts()) == 200
