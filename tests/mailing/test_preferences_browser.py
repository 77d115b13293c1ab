"""The preferences pages in Chromium: a whole sentence per state, and a word once one has left."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser, expect

from services.mailing.terms import STATE_SENTENCES
from shared.i18n import LANGUAGES, translator
from tests.conftest import MakeAccount
from tests.support.mailing import Mailing
from tests.support.preferences import manage_link, newsletter_link


@pytest.mark.usefixtures("demo")
async def test_a_newsletters_page_says_where_one_stands_and_that_one_has_left(
    browser: Browser, mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    entry = await newsletter_link(mailing, make_account, conn)
    manage = await manage_link(mailing, entry)
    page = await browser.new_page()
    try:
        await page.goto(f"{mailing.base}{entry}?lang=en")
        main = page.locator("main")
        await expect(main).to_contain_text("You receive FOR-IN Estonia newsletter.")
        # Not the status word glued after the sentence ("You receive News lv. subscribed.").
        await expect(main).not_to_contain_text("newsletter. subscribed")
        await page.get_by_role("button", name="Unsubscribe").click()
        await expect(page.get_by_role("status")).to_have_text(
            "You have left FOR-IN Estonia newsletter. No further messages will be sent."
        )
        await expect(main).to_contain_text("You do not receive FOR-IN Estonia newsletter")
        await expect(page.get_by_role("button", name="Subscribe again")).to_be_visible()
        # The mailed link's page: a sentence per list, and the same word after leaving one.
        await page.goto(f"{mailing.base}{manage}?lang=lv")
        lv = translator("lv")
        await expect(main).to_contain_text(
            lv.gettext(STATE_SENTENCES["confirmed"], list="Teabepäevad")
        )
        await page.locator("li", has_text="Teabepäevad").get_by_role("button").click()
        await expect(page.get_by_role("status")).to_have_text(
            lv.gettext(
                "You have left %(list)s. No further messages will be sent.", list="Teabepäevad"
            )
        )
    finally:
        await page.close()


@pytest.mark.fast
def test_every_state_has_its_own_sentence_in_every_language() -> None:
    for lang in LANGUAGES:
        tr = translator(lang)
        said = {tr.gettext(text, list="X") for text in STATE_SENTENCES.values()}
        assert len(said) == len(STATE_SENTENCES), lang
        if lang != "en":
            english = {translator("en").gettext(t, list="X") for t in STATE_SENTENCES.values()}
            assert not said & english, lang  # translated, not left in English
