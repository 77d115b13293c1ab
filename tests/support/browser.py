"""A real Chromium (Debian's) for every browser test: one per test process, a context per test.

Also the README's screenshots (`shot`) and axe-core's accessibility check (`axe_findings`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright

ROOT = Path(__file__).resolve().parents[2]
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
    from PIL import Image  # only when pictures are asked for: not on every start of pytest

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


AXE = ROOT / "tests" / "console" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


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
