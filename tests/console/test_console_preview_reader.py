"""The preview is the mail a test send delivers: the same reader fills `{name}`, images show."""

from __future__ import annotations

import html
import re
import time

import pytest
from playwright.async_api import Page, expect

from tests.support.campaigns import same_but_tokens
from tests.support.console_pages import new_campaign
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")

PIXEL = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    '<rect width="40" height="20" fill="#0b6e4f"/></svg>'
)


async def test_the_test_on_myself_delivers_the_previewed_greeting_and_images(
    page: Page, stack: Stack, coordinator: str
) -> None:
    await page.route(
        "http://images.example/**",
        lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=PIXEL),
    )
    editor = await new_campaign(page, stack, coordinator)
    campaign = int(editor.rsplit("/", 1)[1])
    async with page.expect_response(lambda r: r.request.method == "POST") as saved:
        await page.get_by_label("Text (Markdown)").fill(
            "Sveiki, {name}!\n\n![Seminārs](http://images.example/seminars.svg)"
        )
    assert (await saved.value).status == 200
    preview = page.frame_locator("iframe[data-preview]")
    await expect(preview.get_by_text("Sveiki, Ieva!")).to_be_visible()
    # The mail's http image is shown in the preview as the mail client shows it.
    image = preview.get_by_role("img", name="Seminārs")
    await expect(image).to_be_visible()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 40
    shown = await (await page.request.get(f"{stack.console}/campaigns/{campaign}/preview")).text()
    await page.get_by_role("button", name="Test on myself").click()
    deadline = time.monotonic() + 30
    while not stack.sink.messages and time.monotonic() < deadline:
        await page.wait_for_timeout(200)
    (message,) = stack.sink.messages
    html_part = message.parsed().get_body(("html",))
    assert html_part is not None
    received = html_part.get_content()
    assert "Sveiki, Ieva!" in received
    # Byte for byte but the link tokens and the subject's test mark.
    assert same_but_tokens(shown) == same_but_tokens(received.replace("[TEST] ", ""))


async def test_braces_in_a_lists_name_show_as_typed_in_the_preview_and_the_mail(
    page: Page, stack: Stack, coordinator: str
) -> None:
    """A list's name is text: `{{7*7}}` and `{name}` in it are neither templated nor rewritten."""
    name = "Uudised {{7*7}} {name} {unsubscribe_url}"
    await sign_in(page, stack, coordinator)
    await page.get_by_role("link", name="Newsletters").click()
    await page.get_by_label("Language").last.select_option("et")
    await page.get_by_label("Short name for links").fill("ee-uudised")
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("Sender name").fill("Madis Kanarbik")
    await page.get_by_label("Sender address").fill("uudised@example.ee")
    await page.get_by_role("button", name="Create newsletter").click()
    await page.wait_for_url("**/lists/ee-uudised")
    await expect(page.get_by_role("heading", name=name)).to_be_visible()
    await page.get_by_label("Subject").fill("Detsember")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    preview = page.frame_locator("iframe[data-preview]")
    await expect(preview.locator("body")).to_contain_text(name)
    await expect(preview.locator("body")).not_to_contain_text("((7*7))")
    await page.get_by_role("button", name="Test on myself").click()
    deadline = time.monotonic() + 30
    while not stack.sink.messages and time.monotonic() < deadline:
        await page.wait_for_timeout(200)
    (message,) = stack.sink.messages
    parsed = message.parsed()
    assert str(parsed["List-Id"]).startswith(f"{name} <")
    for kind in ("plain", "html"):
        part = parsed.get_body((kind,))
        assert part is not None
        text = html.unescape(part.get_content())
        assert name in text, kind
        assert "((7*7))" not in text
