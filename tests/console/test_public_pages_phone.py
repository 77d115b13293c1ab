"""Public pages on a 375 px phone: nothing scrolls sideways, and axe finds nothing."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Browser, Page

from services.mailing.links import preferences_url
from tests.support.browser import axe_findings, shot
from tests.support.observe import drained
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

LIST = {
    "slug": "lt-naujienos",
    "network": "lt",
    "lang": "lt",
    "names": {"lt": "FOR-IN Lietuvos naujienlaiškis su labai ilgu pavadinimu"},
    "from_name": "Vida Gintautaitė",
    "from_address": "naujienos@example.lt",
}
# A long address (no break opportunity) is the usual cause of a page wider than the phone.
EMAIL = "zydrune.kiseviciene.koordinatore.vilniaus.miesto.savivaldybe@example.lt"


async def phone_check(
    browser: Browser, url: str, method: str = "GET", form: Any = None, name: str = ""
) -> str:
    """Open `url` (or post `form`) at 375 px: no sideways scroll, no axe finding; shot `name`."""
    context = await browser.new_context(
        viewport={"width": 375, "height": 740}, bypass_csp=True, locale="lt-LT"
    )
    try:
        page = await context.new_page()
        if method == "POST":
            # Posted from a page of the service itself, as its own button posts (about:blank
            # would send Origin: null, which every form refuses as a foreign page).
            parts = urlsplit(url)
            await page.goto(f"{parts.scheme}://{parts.netloc}/healthz")
            await page.set_content(_auto_post(url, form))
            async with page.expect_navigation():
                await page.locator("form").evaluate("f => f.submit()")
        else:
            await page.goto(url)
        assert await _fits(page), f"{url} scrolls sideways at 375 px"
        if name:
            await shot(page, name)
        found = await axe_findings(page)
        assert not found, (url, found)
        return await page.content()
    finally:
        await context.close()


async def _fits(page: Page) -> bool:
    width: bool = await page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return width


def _auto_post(url: str, form: dict[str, str]) -> str:
    """A page whose form posts `form` to `url`, as the page's own button would."""
    fields = "".join(
        f'<input type="hidden" name="{k}" value="{v}">' for k, v in (form or {}).items()
    )
    return f'<form method="post" action="{url}">{fields}</form>'


async def test_subscriber_and_visitor_pages_fit_a_phone_and_pass_axe(
    browser: Browser, stack: Stack, make_account: Any, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("vida@example.lt", permissions={"lt": ("manage_lists",)})
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http.post(f"{stack.mailing}/v1/lists", json=LIST) as created,
    ):
        assert created.status == 201
    m = stack.mailing
    # The subscribe form, and its answer.
    form_page = await phone_check(
        browser, f"{m}/subscribe/lt-naujienos?lang=lt", name="subscribe-375"
    )
    form_token = re.search(r'name="form_token" value="([^"]+)"', form_page)
    assert form_token is not None
    await phone_check(
        browser,
        f"{m}/subscribe/lt-naujienos",
        "POST",
        {"form_token": form_token.group(1), "email": EMAIL, "lang": "lt"},
    )
    await drained(stack.settings.database_url or "", "mailing.outbox")
    link = re.search(r"https?://\S+(/confirm/\S+)", stack.sink.messages[-1].summary()["text"])
    assert link is not None
    # The confirmation page, confirming, and the link clicked again.
    await phone_check(browser, f"{m}{link.group(1)}")
    confirm_path = link.group(1).split("?")[0]
    await phone_check(browser, f"{m}{confirm_path}", "POST", {"lang": "lt"})
    again = await phone_check(browser, f"{m}{link.group(1)}", name="confirmed-375")
    assert "prenumerata galioja" in again
    # The preferences page a newsletter links to, and the whole page mailed from it.
    ids = await conn.fetchrow(
        "SELECT s.list_id, s.subscriber_id FROM mailing.subscriptions s LIMIT 1"
    )
    assert ids is not None
    entry = preferences_url(stack.settings, ids["list_id"], ids["subscriber_id"])
    await phone_check(browser, f"{entry}?lang=lt")
    path = entry.removeprefix(m)
    await phone_check(browser, f"{m}{path}/link", "POST", {"lang": "lt"})
    await drained(stack.settings.database_url or "", "mailing.outbox")
    manage = re.search(r"https?://\S+(/manage/[^?\s]+)", stack.sink.messages[-1].summary()["text"])
    assert manage is not None
    whole = await phone_check(browser, f"{m}{manage.group(1)}?lang=lt", name="preferences-375")
    assert EMAIL in whole
    # Erasing asks first: the question's page too.
    asked = await phone_check(browser, f"{m}{manage.group(1)}/erase", "POST", {"lang": "lt"})
    assert 'name="confirm" value="yes"' in asked
    assert await conn.fetchval("SELECT count(*) FROM mailing.subscribers") == 1
    # The reveal question page and the iframe page of the widget.
    widget = f"{stack.directory}/v1/widget/for-in?member=lt&lang=lt"
    async with aiohttp.ClientSession() as http, http.get(widget) as answer:
        card = next(c for c in (await answer.json())["cards"] if c["has_email"])
    await phone_check(browser, card["reveal_url"])
    await phone_check(browser, f"{stack.directory}/embed/for-in?member=lt&lang=lt")
