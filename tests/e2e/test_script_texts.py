"""The widget's script speaks the embed's language when things fail (no English of its own)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.support.site import StartSite
from tests.support.visitors import unreachable

pytestmark = pytest.mark.usefixtures("demo")

# Each text as the catalogs word it, written out here.
NOT_LOADED = {"lv": "Kontaktus neizdevās ielādēt.", "lt": "Kontaktų nepavyko įkelti."}
REVEAL_FAILED = {
    "lv": "Adresi neizdevās parādīt. Lūdzu, pārlādējiet lapu.",
    "lt": "Adreso parodyti nepavyko. Perkraukite puslapį.",
}
SPENT = {
    "lv": re.compile(r"^Pārāk daudz pieprasījumu\. Lūdzu, mēģiniet vēlreiz pēc \d+ min\.$"),
    "lt": re.compile(r"^Per daug užklausų\. Bandykite dar kartą po \d+ min\.$"),
}


@pytest.mark.parametrize("lang", ["lv", "lt"])
async def test_the_widget_says_what_failed_in_the_embeds_language(
    browser: Browser, start_site: StartSite, lang: str
) -> None:
    site = await start_site(reveal_limit=1, reveal_window=600)
    page = await browser.new_page()
    try:
        # The cards never arrive: the script's own text, in the element's language.
        await page.route(f"{site.directory}/v1/widget/**", unreachable)
        await page.goto(f"{site.host}/?lang={lang}")
        await expect(page.locator("kontakt-contacts .kontakt-error")).to_have_text(NOT_LOADED[lang])
        await page.unroute(f"{site.directory}/v1/widget/**")

        # The cards arrive, then the network goes while a person asks for an address.
        await page.goto(f"{site.host}/?lang={lang}")
        buttons = page.locator("kontakt-contacts button.kontakt-reveal")
        await page.route(f"{site.directory}/v1/reveal", unreachable)
        await buttons.first.click()
        live = page.locator("kontakt-contacts .kontakt-live.kontakt-error")
        await expect(live.first).to_have_text(REVEAL_FAILED[lang])
        await page.unroute(f"{site.directory}/v1/reveal")

        # One reveal is this client's budget: the first is answered, the second is refused.
        await buttons.first.click()
        await expect(page.locator("kontakt-contacts a.kontakt-mailto").first).to_be_visible()
        await buttons.first.click()
        await expect(live.first).to_have_text(SPENT[lang])
    finally:
        await page.close()
