"""The console with every service behind it and an SMTP sink, all started for real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestServer
from aiosmtpd.smtp import SMTP
from playwright.async_api import Page

from devstack.mailsink import Sink
from services.console.app import create_app as create_console
from services.directory.app import create_app as create_directory
from services.mailing.app import create_app as create_mailing
from services.vcard.app import create_app as create_vcard
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.support.ports import Reserved


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
