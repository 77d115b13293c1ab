"""The console with every service behind it, all started for real, and Debian's Chromium."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from aiosmtpd.smtp import SMTP
from playwright.async_api import Browser, Page

from devstack.mailsink import Sink
from services.console.app import create_app as create_console
from services.directory.app import create_app as create_directory
from services.mailing.app import create_app as create_mailing
from services.vcard.app import create_app as create_vcard
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.e2e.conftest import browser
from tests.support.ports import Reserved

__all__ = ["browser"]

pytestmark = pytest.mark.usefixtures("demo")


@dataclass
class Stack:
    """Every service's URL, the mail sink, and the settings they share."""

    console: str
    directory: str
    mailing: str
    vcard: str
    sink: Sink
    settings: Settings


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    """Directory, mailing (with its worker), vcard and console on local ports."""
    sockets = {name: Reserved() for name in ("directory", "mailing", "vcard", "console", "smtp")}
    ports = {name: reserved.port for name, reserved in sockets.items()}
    url = {name: reserved.url for name, reserved in sockets.items()}
    sink = Sink()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(sink, enable_SMTPUTF8=True), sock=sockets["smtp"].sock
    )
    configured = settings.replace(
        directory_url=url["directory"],
        public_directory_url=url["directory"],
        mailing_url=url["mailing"],
        public_mailing_url=url["mailing"],
        vcard_url=url["vcard"],
        public_vcard_url=url["vcard"],
        public_console_url=url["console"],
        smtp_url=f"smtp://127.0.0.1:{ports['smtp']}",
        db_pool_max=6,
    )
    servers = [
        TestServer(
            factory(configured),
            host="127.0.0.1",
            port=ports[name],
            socket_factory=sockets[name].factory,
        )
        for name, factory in (
            ("directory", create_directory),
            ("mailing", create_mailing),
            ("vcard", create_vcard),
            ("console", create_console),
        )
    ]
    for server in servers:
        await server.start_server()
    yield Stack(url["console"], url["directory"], url["mailing"], url["vcard"], sink, configured)
    for server in reversed(servers):
        await server.close()
    smtp.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser context and page, in English."""
    context = await browser.new_context(locale="en-GB")
    opened = await context.new_page()
    yield opened
    await context.close()


@pytest.fixture
async def page_without_js(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page, in English, with JavaScript off: what every form must work in."""
    context = await browser.new_context(java_script_enabled=False, locale="en-GB")
    opened = await context.new_page()
    yield opened
    await context.close()


@pytest.fixture
async def coordinator(make_account: MakeAccount) -> str:
    """The Estonian coordinator's token: contacts, newsletters and campaigns of `ee`."""
    _, token = await make_account(
        "madis.kanarbik@example.ee",
        permissions={"ee": ("edit_contacts", "manage_lists", "send_campaigns")},
    )
    return token


async def sign_in(page: Page, stack: Stack, token: str, lang: str = "en") -> None:
    """Sign in through the form, as a person does."""
    await page.goto(f"{stack.console}/signin")
    await page.get_by_label("API token").fill(token)
    await page.locator("#lang").select_option(lang)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/contacts**")


AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


async def axe_findings(page: Page) -> list[tuple[str, str, int]]:
    """axe-core's WCAG 2.1 AA violations on the page as it is (its context needs bypass_csp)."""
    assert AXE.exists(), "run `make install` (npm ci in tests/console/axe)"
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    # The checker really looked: it found rules the page passes.
    assert len(result["passes"]) > 5, page.url
    return [(v["id"], v["help"], len(v["nodes"])) for v in result["violations"]]


async def axe_violations(
    browser: Browser, url: str, cookies: list[Any]
) -> list[tuple[str, str, int]]:
    """axe-core's findings on `url`, opened with `cookies` in a context that lets it in."""
    context = await browser.new_context(bypass_csp=True, locale="en-GB")
    try:
        await context.add_cookies(cookies)
        page = await context.new_page()
        await page.goto(url)
        return await axe_findings(page)
    finally:
        await context.close()
