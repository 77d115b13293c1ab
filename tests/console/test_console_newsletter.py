"""The newsletter in a browser: its look set in the console, the preview that is the sent
message, and the sent message at phone and desktop widths without sideways scrolling."""

from __future__ import annotations

import re
import time

import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.support.browser import shot
from tests.support.campaigns import BODY, LONG, same_but_tokens
from tests.support.console_pages import no_sideways_scroll, open_new_list
from tests.support.newsletters import people
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")

LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="48" viewBox="0 0 240 48">'
    '<rect width="240" height="48" fill="#ffffff"/><text x="12" y="32" font-size="24" '
    'font-family="sans-serif" fill="#0b6e4f">FOR-IN</text></svg>'
)
WIDTHS = (375, 1000)


async def test_the_newsletter_looks_the_same_in_preview_and_mailbox_at_any_width(
    page: Page, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    await page.route(
        "https://for-in.example/**",
        lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=LOGO),
    )
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-uudised")
    await page.get_by_label("Logo (https address of an image, optional)").fill("javascript:x")
    await page.get_by_label("Colour").fill("#0b6e4f")
    await page.get_by_role("button", name="Save the look").click()
    await expect(page.locator("#logo_url-error")).to_contain_text("https://")
    await page.get_by_label("Logo (https address of an image, optional)").fill(
        "https://for-in.example/logo.svg"
    )
    await page.get_by_role("button", name="Save the look").click()
    await expect(page.get_by_role("status")).to_have_text("The newsletter's look is saved.")
    await expect(page.get_by_label("Colour")).to_have_value("#0b6e4f")
    await people(conn, "ee-uudised", [("ieva@example.lv", "Ieva", "confirmed")])

    await page.get_by_label("Subject").fill("Detsember")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    campaign = int(page.url.rsplit("/", 1)[1])
    await page.get_by_label("Text (Markdown)").fill(BODY)
    preview = page.frame_locator("iframe[data-preview]")
    await expect(preview.get_by_role("heading", name="Tere, Ieva!")).to_be_visible()
    await expect(preview.get_by_role("link", name="Loobu tellimusest")).to_be_visible()
    await expect(preview.get_by_role("img", name="FOR-IN Eesti uudiskiri")).to_be_visible()
    shown = await (await page.request.get(f"{stack.console}/campaigns/{campaign}/preview")).text()
    shown_text = await (
        await page.request.get(f"{stack.console}/campaigns/{campaign}/preview.txt")
    ).text()
    assert f"[1] {LONG}" in shown_text

    started = await page.request.post(
        f"{stack.mailing}/v1/campaigns/{campaign}/send",
        headers={"Authorization": f"Bearer {coordinator}"},
    )
    assert started.status == 202
    deadline = time.monotonic() + 30
    while not stack.sink.messages and time.monotonic() < deadline:
        await page.wait_for_timeout(200)
    (message,) = stack.sink.messages
    html_part, text_part = (message.parsed().get_body((k,)) for k in ("html", "plain"))
    assert html_part is not None
    assert text_part is not None
    html = html_part.get_content()
    # What the console showed is what the reader got, byte for byte but the link tokens.
    assert same_but_tokens(shown) == same_but_tokens(html)
    assert same_but_tokens(shown_text) == same_but_tokens(text_part.get_content())

    # The mail as a mail client shows it: a page of its own (not under the console's CSP).
    page = await page.context.new_page()
    await page.route(
        "https://for-in.example/**",
        lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=LOGO),
    )
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await page.set_content(html)
        await expect(page.get_by_role("heading", name="Tere, Ieva!")).to_be_visible()
        await no_sideways_scroll(page)
        band = page.locator("td.band")
        assert await band.evaluate("td => getComputedStyle(td).backgroundColor") == (
            "rgb(11, 110, 79)"
        )
        card = await page.locator("table.card").bounding_box()
        assert card is not None
        assert card["width"] <= min(width, 600)
        await shot(page, f"newsletter-{width}")
