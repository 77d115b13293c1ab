"""The preview is the mail a test send delivers: the same reader fills `{name}`, images show."""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import Stack
from tests.console.test_console_typed_kept import new_campaign
from tests.mailing.test_newsletter import same_but_tokens

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
