"""Every console page on a 375 px phone: no sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.conftest import MakeAccount
from tests.support.console_pages import no_sideways_scroll, open_new_list
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


async def test_every_console_page_fits_a_phone(
    page: Page, stack: Stack, make_account: MakeAccount
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    await sign_in(page, stack, admin)
    await open_new_list(page, "ee-telefon")
    await page.get_by_label("Subject").fill("Uudised telefonis: Jõemets ja Kisevičienė")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    campaign = page.url.removeprefix(stack.console)
    await page.goto(f"{stack.console}/contacts?network=for-in")
    contact = await page.get_by_role("link", name="Madis Kanarbik").get_attribute("href")
    await page.set_viewport_size({"width": 375, "height": 800})
    pages = [
        "/contacts?network=for-in",
        "/contacts/new",
        contact,
        f"{contact}/delete",
        "/contacts/import",
        "/organisations",
        "/organisations/providus",
        "/lists",
        "/lists/ee-telefon",
        campaign,
        "/embed?network=for-in&member=lt&lang=lt",
        "/tokens",
        "/accounts",
        "/suppressions",
    ]
    too_wide = {}
    for path in pages:
        await page.goto(f"{stack.console}{path}")
        try:
            await no_sideways_scroll(page)
        except AssertionError as exc:
            too_wide[path] = str(exc)
    # The confirmation before sending, a page answering a form.
    await page.goto(f"{stack.console}{campaign}")
    await page.get_by_role("button", name="Send now").click()
    await expect(page.get_by_role("heading", name="Send this campaign?")).to_be_visible()
    try:
        await no_sideways_scroll(page)
    except AssertionError as exc:
        too_wide["send confirmation"] = str(exc)
    await page.context.clear_cookies()
    await page.goto(f"{stack.console}/signin")
    try:
        await no_sideways_scroll(page)
    except AssertionError as exc:
        too_wide["/signin"] = str(exc)
    assert not too_wide, too_wide
