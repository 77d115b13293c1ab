"""Sending without fear: a test to oneself in one click, and a page to confirm whom a
campaign goes to and when before anything goes (no JavaScript needed)."""

from __future__ import annotations

import re

import asyncpg
import pytest
from playwright.async_api import Page, expect

from services.console.campaign_progress import duration, shown_progress
from shared.i18n import translator
from shared.payloads import CampaignProgress
from tests.support.browser import shot
from tests.support.console_pages import open_new_list
from tests.support.newsletters import people
from tests.support.observe import drained
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


async def test_send_asks_first_with_the_list_the_recipients_and_the_time(
    page_without_js: Page, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    page = page_without_js
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-uudised")
    await people(
        conn,
        "ee-uudised",
        [
            ("ieva@example.lv", "Ieva", "confirmed"),
            ("jaan@example.ee", "Jaan Jõemets", "confirmed"),
            ("blokk@example.lt", "Žydrūnė", "confirmed"),
            ("ootel@example.ee", "Ootel", "pending"),
        ],
    )
    await conn.execute(
        "INSERT INTO mailing.suppressions (address, reason) VALUES ('blokk@example.lt', 'manual')"
    )
    await page.get_by_label("Subject").fill("Detsember")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    campaign = page.url

    # A test to oneself is one click, to the signed-in coordinator's own address.
    await page.get_by_role("button", name="Test on myself (madis.kanarbik@example.ee)").click()
    await expect(page.get_by_role("status")).to_have_text("The test is on its way.")
    await drained(stack.settings.database_url or "", "mailing.outbox")
    assert [m.rcpt_to for m in stack.sink.messages] == [["madis.kanarbik@example.ee"]]

    await page.get_by_role("button", name="Send now").click()
    await expect(page.get_by_role("heading", name="Send this campaign?")).to_be_visible()
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text("FOR-IN Eesti uudiskiri")
    await expect(page.locator("[data-recipients]")).to_have_text("2")
    await expect(page.locator("[data-suppressed]")).to_have_text("1")
    await expect(page.locator("[data-when]")).to_have_text("Now, as soon as you confirm")
    await shot(page, "send-confirm")
    # Asking sent nothing; going back leaves a draft.
    await page.get_by_role("link", name="Back").click()
    await expect(page.locator("[data-campaign-status]")).to_have_text("draft")
    assert len(stack.sink.messages) == 1

    await page.get_by_role("button", name="Send now").click()
    await page.get_by_role("button", name="Yes, send now").click()
    await page.wait_for_url(f"{campaign}?m=send")
    await expect(page.get_by_role("status")).to_have_text("Sending has started.")
    for _ in range(60):
        await page.goto(campaign)
        if await page.locator("[data-campaign-status]").inner_text() == "done":
            break
        await page.wait_for_timeout(500)
    # Every figure carries its unit.
    await expect(page.locator('[data-field="sent"]')).to_have_text("2")
    # Two sends within the same instant measure no rate ("–"), never "0 /s".
    per_second = page.locator('[data-field="per_second"]')
    await expect(per_second).to_have_text(re.compile(r"(\d /s|–)$"))
    readers = sorted(m.rcpt_to[0] for m in stack.sink.messages[1:])
    assert readers == ["ieva@example.lv", "jaan@example.ee"]
    shown = (await (await page.request.get(f"{campaign}/progress.json")).json())["shown"]
    assert re.search(r"(\d /s|–)$", shown["per_second"])
    assert shown["sent"] == "2"


def test_a_send_without_a_measured_rate_shows_a_dash_not_zero() -> None:
    """One message sent (or none yet) measures no rate: the page says "–", not "0 /s"."""

    def progress(per_second: float) -> CampaignProgress:
        return CampaignProgress(
            queued=0,
            sending=0,
            sent=1,
            failed=0,
            bounced=0,
            skipped=0,
            per_second=per_second,
            eta_seconds=None,
        )

    assert shown_progress(progress(0), translator("et"))["per_second"] == "–"
    assert shown_progress(progress(2.5), translator("lt"))["per_second"] == "2,5 /s"


def test_time_left_has_units() -> None:
    t = translator("lt")
    assert duration(12, t) == "12 s"
    assert duration(125, t) == "2 min. 5 s"
    assert duration(3 * 3600 + 20 * 60, t) == "3 val. 20 min."
