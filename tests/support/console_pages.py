"""The console in the browser: the steps and checks several tests share."""

from __future__ import annotations

import re

from playwright.async_api import Page

from tests.support.stack import Stack, sign_in

# Single words in column headings and status cells that the browser split over two lines.
SPLIT_WORDS = """() => [...document.querySelectorAll('th[scope=col], td.status')]
  .filter(cell => cell.textContent.trim() && !/\\s/.test(cell.textContent.trim()))
  .filter(cell => {
    const lines = new Set();
    const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(texts.currentNode);
      for (const r of range.getClientRects()) lines.add(Math.round(r.top));
    }
    return lines.size > 1;
  })
  .map(cell => cell.textContent.trim())"""


async def open_new_list(page: Page, slug: str) -> None:
    """Create a newsletter for Estonia through the console."""
    await page.get_by_role("link", name="Newsletters").click()
    await page.get_by_label("Language").last.select_option("et")
    await page.get_by_label("Short name for links").fill(slug)
    await page.get_by_label("Name", exact=True).fill("FOR-IN Eesti uudiskiri")
    await page.get_by_label("Sender name").fill("Madis Kanarbik")
    await page.get_by_label("Sender address").fill("uudised@example.ee")
    await page.get_by_role("button", name="Create newsletter").click()
    await page.wait_for_url(f"**/lists/{slug}")


async def new_campaign(page: Page, stack: Stack, coordinator: str) -> str:
    """A draft "Detsember" on a new list; its editor's address."""
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-uudised")
    await page.get_by_label("Subject").fill("Detsember")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    return page.url


async def no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the window."""
    wide = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    widest = await page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter("
        "e => e.getBoundingClientRect().right > w).map(e => e.outerHTML.slice(0, 120))",
        wide[1],
    )
    assert wide[0] <= wide[1], f"{wide[0]} px wide in a {wide[1]} px window: {widest[:3]}"
