"""The embed builder's subscribe form, pasted into another site three ways, in Chromium."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from tests.support.browser import shot
from tests.support.console_pages import open_new_list
from tests.support.observe import drained
from tests.support.ports import Reserved
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


@dataclass
class Host:
    """A website on its own origin whose page holds whatever was pasted into it."""

    url: str
    pasted: list[str] = field(default_factory=list)


@pytest.fixture
async def host(stack: Stack) -> AsyncIterator[Host]:
    """The website, with a strict CSP that lets in only the mailing service."""
    reserved = Reserved()  # bound at port 0: the site's address is known before it starts
    site = Host(reserved.url)

    async def page(request: web.Request) -> web.Response:
        body = "\n".join(site.pasted)
        html = (
            '<!doctype html><html lang="et"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Uudiskiri</title></head><body><main><h1>Uudiskiri</h1>{body}</main></body></html>"
        )
        policy = (
            f"default-src 'self'; script-src {stack.mailing}; style-src {stack.mailing}; "
            f"connect-src {stack.mailing}; frame-src {stack.mailing}; "
            f"form-action 'self' {stack.mailing}"
        )
        return web.Response(
            text=html, content_type="text/html", headers={"Content-Security-Policy": policy}
        )

    async def thanks(_: web.Request) -> web.Response:
        return web.Response(text="<h1>Aitäh!</h1>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/aitah", thanks)
    server = TestServer(app, host="127.0.0.1", port=reserved.port, socket_factory=reserved.factory)
    await server.start_server()
    yield site
    await server.close()


async def copied(page: Page, kind: str) -> str:
    """What the builder's Copy button next to the `kind` snippet puts on the clipboard."""
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.locator(f"button[data-copy='subscribe-{kind}']").click()
    text: str = await page.evaluate("() => navigator.clipboard.readText()")
    return text


async def test_a_coordinator_pastes_the_subscribe_form_three_ways_and_each_works_on_a_phone(
    page: Page, browser: Browser, stack: Stack, coordinator: str, host: Host
) -> None:
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-uudised")
    await page.get_by_role("link", name="Embed on a website").click()
    section = page.locator("#subscribe")
    await expect(section.get_by_role("status").filter(has_text="thank-you")).to_contain_text(
        "thank-you page first"
    )
    # A page that is not a web page is refused beside the field, and what was typed stays.
    await section.get_by_label("Thank-you page").fill("javascript:alert(1)")
    await section.get_by_role("button", name="Save thank-you page").click()
    await expect(section.get_by_role("alert")).to_contain_text("Must be an http:// or https:// URL")
    await expect(section.get_by_role("alert")).not_to_contain_text("thank_you_url")
    await expect(section.get_by_label("Thank-you page")).to_have_value("javascript:alert(1)")
    await section.get_by_label("Thank-you page").fill(f"{host.url}/aitah")
    await section.get_by_role("button", name="Save thank-you page").click()
    await expect(section.get_by_label("Thank-you page")).to_have_value(f"{host.url}/aitah")
    await shot(page, "subscribe-snippets")
    host.pasted = [await copied(page, kind) for kind in ("form", "js", "iframe")]

    visitor = await browser.new_context(viewport={"width": 375, "height": 740})
    phone = await visitor.new_page()
    await phone.goto(host.url)
    sideways = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    assert await phone.evaluate(sideways)
    # 1. The plain HTML form posts from the host page and lands on the thank-you page.
    plain = phone.locator("main > form")
    await plain.get_by_label("E-post").fill("plain@example.ee")
    await plain.get_by_role("button", name="Telli").click()
    await phone.wait_for_url(f"{host.url}/aitah")
    # 2. The custom element, its words in the list's language, does the same.
    await phone.goto(host.url)
    element = phone.locator("kontakt-subscribe")
    await element.get_by_label("E-post").fill("element@example.ee")
    await element.get_by_role("button", name="Telli").click()
    await phone.wait_for_url(f"{host.url}/aitah")
    # 3. The 360 px iframe shows its whole form, button included, without scrolling.
    await phone.goto(host.url)
    frame = phone.frame_locator("iframe")
    button = frame.get_by_role("button", name="Telli")
    await button.wait_for()
    inside = await button.evaluate("b => b.getBoundingClientRect().bottom <= innerHeight")
    assert inside, "the submit button is below the frame's edge"
    # Sized by attributes, not a style attribute, which a strict CSP (as here) ignores.
    assert await frame.locator("body").evaluate("b => innerHeight") >= 350
    await frame.get_by_label("E-post").fill("frame@example.ee")
    await button.click()
    await expect(frame.get_by_role("status")).to_contain_text("Aitäh!")
    await phone.goto(host.url)
    await frame.get_by_role("button", name="Telli").wait_for()
    await shot(phone, "subscribe-embedded-375")
    await visitor.close()

    await drained(stack.settings.database_url or "", "mailing.outbox")
    sent = sorted(m.rcpt_to[0] for m in stack.sink.messages)
    assert sent == ["element@example.ee", "frame@example.ee", "plain@example.ee"]


async def test_a_form_pasted_without_its_key_says_so_and_a_mistyped_address_keeps_the_name(
    page: Page, browser: Browser, stack: Stack, coordinator: str, host: Host
) -> None:
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-uudised")
    await page.get_by_role("link", name="Embed on a website").click()
    section = page.locator("#subscribe")
    await section.get_by_label("Thank-you page").fill(f"{host.url}/aitah")
    await section.get_by_role("button", name="Save thank-you page").click()
    await expect(section.get_by_label("Thank-you page")).to_have_value(f"{host.url}/aitah")
    form = await copied(page, "form")
    # Pasted as some people paste it: the hidden key left out.
    keyless = re.sub(r"<input[^>]*name=\"form_key\"[^>]*>", "", form)
    assert keyless != form
    host.pasted = [keyless]
    visitor = await browser.new_context(viewport={"width": 375, "height": 740})
    phone = await visitor.new_page()
    await phone.goto(host.url)
    await phone.get_by_label("E-post").fill("plain@example.ee")
    await phone.get_by_role("button", name="Telli").click()
    alert = phone.get_by_role("alert")
    # What is wrong (the list's key is missing) and what to do, not "expired, reload".
    await expect(alert).to_contain_text("form_key")
    await expect(alert).to_contain_text("Kontakt")
    await expect(alert).not_to_contain_text("aegunud")
    # The whole form: a mistyped address comes back to be fixed with the name still there.
    host.pasted = [form]
    await phone.goto(host.url)
    await phone.get_by_label("E-post").fill("mari@example")
    await phone.get_by_label("Nimi").fill("Mari Jõemets")
    await phone.get_by_role("button", name="Telli").click()
    await expect(phone.get_by_role("alert")).to_be_visible()
    await expect(phone.get_by_label("E-post")).to_have_value("mari@example")
    await expect(phone.get_by_label("Nimi")).to_have_value("Mari Jõemets")
    await phone.get_by_label("E-post").fill("mari@example.ee")
    await phone.get_by_role("button", name="Telli").click()
    # Corrected, the person goes on to the list's thank-you page, as the form would have.
    await expect(phone.get_by_role("heading", name="Aitäh!")).to_be_visible()
    assert phone.url == f"{host.url}/aitah"
    await visitor.close()
    await drained(stack.settings.database_url or "", "mailing.outbox")
    assert [m.rcpt_to[0] for m in stack.sink.messages] == ["mari@example.ee"]
