"""A real Chromium (Debian's), the directory and an example host site on another origin."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image
from playwright.async_api import Browser, Locator, Page, async_playwright

from devstack.example_site import example_app
from services.directory.app import create_app
from services.vcard.app import create_app as create_vcard
from shared.queries import Queries
from shared.settings import Settings
from tests.support.ports import Reserved

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_PRESENT = CHROMIUM.exists()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# `CONSOLE_SCREENSHOTS=docs/console make test` refreshes the README's pictures.
SHOTS = os.environ.get("CONSOLE_SCREENSHOTS")


async def shot(page: Page, name: str, part: Locator | None = None) -> None:
    """Keep a screenshot for the README when asked to: the whole page, or only `part`."""
    if not SHOTS:
        return
    path = Path(SHOTS) / f"{name}.png"  # Playwright creates the folder
    if part is None:
        await page.screenshot(path=str(path), full_page=True)
    else:
        await part.screenshot(path=str(path))
    smaller(path)


def smaller(path: Path) -> None:
    """Rewrite a screenshot PNG with a 128-colour palette: a third of the bytes, text as sharp."""
    with Image.open(path) as shown:
        palette = shown.convert("RGB").quantize(
            colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    palette.save(path, optimize=True)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium; `.ci/run` installs Debian's package."""
    assert CHROMIUM_PRESENT, "install Debian's chromium (apt-get install chromium)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@dataclass
class Site:
    """The directory and a host page that embeds it, on two origins."""

    directory: str
    host: str
    vcard: str


StartSite = Callable[..., Awaitable[Site]]


@pytest.fixture
async def start_site(
    settings: Settings, conn: asyncpg.Connection, queries: Queries
) -> AsyncIterator[StartSite]:
    """Start the directory (with given settings changes) and the example host site.

    The demo network lists the host site as its embedder, as `make run` does, unless
    `embedded=False` (a site the network's owner never listed).
    """
    servers: list[TestServer] = []

    async def start(*, embedded: bool = True, **changes: object) -> Site:
        own, vcard_socket, host_socket = Reserved(), Reserved(), Reserved()
        if embedded:
            origins = [host_socket.url]
            await conn.execute(queries["set-network-origins"], "for-in", origins)
        directory_url, vcard_url = own.url, vcard_socket.url
        configured = settings.replace(
            public_directory_url=directory_url,
            directory_url=directory_url,
            public_vcard_url=vcard_url,
            **changes,
        )
        directory = TestServer(
            create_app(configured), host="127.0.0.1", port=own.port, socket_factory=own.factory
        )
        await directory.start_server()
        servers.append(directory)
        vcard = TestServer(
            create_vcard(configured),
            host="127.0.0.1",
            port=vcard_socket.port,
            socket_factory=vcard_socket.factory,
        )
        await vcard.start_server()
        servers.append(vcard)
        host = TestServer(
            example_app(directory_url),
            host="127.0.0.1",
            port=host_socket.port,
            socket_factory=host_socket.factory,
        )
        await host.start_server()
        servers.append(host)
        return Site(directory_url, str(host.make_url("/")).rstrip("/"), vcard_url)

    yield start
    for server in reversed(servers):
        await server.close()
