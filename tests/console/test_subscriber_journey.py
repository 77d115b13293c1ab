"""A subscriber, in Chromium, does everything with the pages' own buttons: subscribes,
confirms (twice), leaves and subscribes again from the newsletter's page, and erases their
data only after saying yes to the question."""

from __future__ import annotations

import re

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Browser, Page, expect

from services.mailing.links import preferences_url
from tests.conftest import MakeAccount
from tests.support.observe import drained
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

LIST = {
    "slug": "lv-jaunumi",
    "network": "lv",
    "lang": "lv",
    "names": {"lv": "FOR-IN Latvijas jaunumi"},
    "from_name": "Daina Mežecka",
    "from_address": "jaunumi@example.lv",
}
EMAIL = "zydrune.kiseviciene@example.lt"


async def mailed_link(stack: Stack, path: str) -> str:
    """The `path` link (e.g. /confirm/) in the last mail the outbox sent."""
    await drained(stack.settings.database_url or "", "mailing.outbox")
    text = stack.sink.messages[-1].summary()["text"]
    found = re.search(rf"https?://\S+{path}\S+", text)
    assert found is not None, text
    return found.group(0)


async def confirm(page: Page, stack: Stack) -> None:
    """Open the last confirmation mail's link and press its button."""
    await page.goto(await mailed_link(stack, "/confirm/"))
    await page.get_by_role("button", name="Confirm subscription").click()
    await expect(page.get_by_role("status")).to_contain_text("is confirmed")


async def status(conn: asyncpg.Connection) -> str | None:
    found: str | None = await conn.fetchval(
        "SELECT s.status FROM mailing.subscriptions s JOIN mailing.subscribers b "
        "ON b.id = s.subscriber_id WHERE b.email = $1",
        EMAIL,
    )
    return found


async def test_a_subscriber_confirms_leaves_comes_back_and_erases_after_saying_yes(
    browser: Browser, stack: Stack, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("daina@example.lv", permissions={"lv": ("manage_lists",)})
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http.post(f"{stack.mailing}/v1/lists", json=LIST) as created,
    ):
        assert created.status == 201
    context = await browser.new_context(locale="en-GB")
    page = await context.new_page()
    await page.goto(f"{stack.mailing}/subscribe/lv-jaunumi?lang=en")
    await page.get_by_label("E-mail address").fill(EMAIL)
    await page.get_by_label("Name (optional)").fill("Žydrūnė Kisevičienė")
    await page.get_by_role("button", name="Subscribe").click()
    await expect(page.get_by_role("status")).to_be_visible()
    assert await status(conn) == "pending"

    # The confirmation link, clicked again after confirming, says so (not "expired").
    confirmation = await mailed_link(stack, "/confirm/")
    await confirm(page, stack)
    assert await status(conn) == "confirmed"
    await page.goto(confirmation)
    await expect(page.get_by_text("You are subscribed to FOR-IN Latvijas jaunumi")).to_be_visible()
    await expect(page.get_by_text("expired")).to_have_count(0)

    # The newsletter's preferences page: leave, then subscribe again (confirmed by mail).
    ids = await conn.fetchrow(
        "SELECT list_id, subscriber_id FROM mailing.subscriptions s JOIN mailing.subscribers b "
        "ON b.id = s.subscriber_id WHERE b.email = $1",
        EMAIL,
    )
    assert ids is not None
    await page.goto(preferences_url(stack.settings, *ids) + "?lang=en")
    await page.get_by_role("button", name="Unsubscribe").click()
    assert await status(conn) == "unsubscribed"
    await page.get_by_role("button", name="Subscribe again").click()
    await expect(page.get_by_role("status")).to_be_visible()
    assert await status(conn) == "pending"
    await confirm(page, stack)
    assert await status(conn) == "confirmed"

    # The whole page, mailed to the address: erasing asks first, and "Cancel" keeps all.
    await page.goto(preferences_url(stack.settings, *ids) + "?lang=en")
    await page.get_by_role("button", name="E-mail me a link").click()
    await page.goto(await mailed_link(stack, "/manage/"))
    await expect(page.get_by_text(f"Subscriptions of {EMAIL}")).to_be_visible()
    await page.get_by_role("button", name="Erase my data").click()
    await expect(page.get_by_text("This cannot be undone")).to_be_visible()
    assert await status(conn) == "confirmed"
    await page.get_by_role("link", name="Cancel").click()
    await expect(page.get_by_role("button", name="Erase my data")).to_be_visible()
    assert await status(conn) == "confirmed"
    await page.get_by_role("button", name="Erase my data").click()
    await page.get_by_role("button", name="Yes, erase my data").click()
    await expect(page.get_by_role("status")).to_have_text("Your data is erased.")
    assert await conn.fetchval("SELECT count(*) FROM mailing.subscribers") == 0
    await context.close()
