"""The subscribe form's script speaks the embed's language when the form does not arrive."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.support.mailing import Mailing
from tests.support.visitors import unreachable

FORM_NOT_LOADED = {"lv": "Veidlapu neizdevās ielādēt.", "lt": "Formos nepavyko įkelti."}


@pytest.mark.parametrize("lang", ["lv", "lt"])
async def test_the_subscribe_form_says_it_could_not_load_in_the_embeds_language(
    browser: Browser, mailing: Mailing, lang: str
) -> None:
    page = await browser.new_page()
    try:
        await page.route(f"{mailing.base}/v1/lists/**", unreachable)
        await page.set_content(
            f'<html lang="en"><body><kontakt-subscribe list="ee-uudised" lang="{lang}">'
            f'</kontakt-subscribe><script src="{mailing.base}/static/subscribe.js"></script>'
            "</body></html>"
        )
        await expect(page.locator("kontakt-subscribe p.error")).to_have_text(FORM_NOT_LOADED[lang])
    finally:
        await page.close()
