"""Dates and numbers on console pages are written each language's way (CLDR, by Babel)."""

from __future__ import annotations

import re

import asyncpg
import pytest

from tests.support.newsletters import readers
from tests.support.sessions import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

# 4 March 2026, 13:05 UTC: 15:05 in Tallinn (EET, the `ee` network's zone), written by hand
# from each language's CLDR patterns (medium date, short time), not by the code under test.
IN_TALLINN = {
    "en": "Mar 4, 2026, 3:05\u202fPM",
    "et": "4. märts 2026 15:05",
    "lv": "2026. gada 4. marts 15:05",
    "lt": "2026-03-04 15:05",
}
# The tokens' expiry, 1 December 2030 08:30 UTC, shown in UTC.
EXPIRY_UTC = {
    "en": "Dec 1, 2030, 8:30\u202fAM",
    "et": "1. dets 2030 08:30",
    "lv": "2030. gada 1. dec. 08:30",
    "lt": "2030-12-01 08:30",
}
# A campaign scheduled for 4 March 2030, 13:05 UTC, said in Tallinn's time.
SCHEDULED = {
    "en": "Scheduled for Mar 4, 2030, 3:05\u202fPM (Europe/Tallinn).",
    "et": "Ajastatud: 4. märts 2030 15:05 (Europe/Tallinn).",
    "lv": "Ieplānota: 2030. gada 4. marts 15:05 (Europe/Tallinn).",
    "lt": "Suplanuota: 2030-03-04 15:05 (Europe/Tallinn).",
}
# 1,235 confirmed subscribers: each language's digit grouping (a no-break space in et/lv/lt).
GROUPED = {"en": "1,235", "et": "1\xa0235", "lv": "1\xa0235", "lt": "1\xa0235"}


@pytest.mark.parametrize("lang", ["en", "et", "lv", "lt"])
async def test_console_pages_write_dates_and_numbers_the_languages_way(
    stack: Stack, coordinator: str, conn: asyncpg.Connection, lang: str
) -> None:
    client = await signed_in(stack, coordinator, lang=lang)
    try:
        async with client.get(f"{stack.console}/lists") as page:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert csrf is not None
        form = {"csrf": csrf.group(1), "slug": "ee-uudised", "network": "ee", "lang": "et"}
        form |= {"name": "Uudised", "from_name": "Madis", "from_address": "uudised@example.ee"}
        async with client.post(f"{stack.console}/lists", data=form) as made:
            assert made.status == 200, await made.text()
        await readers(conn, "ee-uudised", [f"r{i}@example.ee" for i in range(1235)], "Lugeja")
        member = await conn.fetchval(
            "SELECT id FROM mailing.subscribers WHERE email = 'r7@example.ee'"
        )
        await conn.execute(
            "UPDATE mailing.subscriptions SET created_at = '2026-03-04T13:05:00Z', "
            "confirmed_at = '2026-03-04T13:05:00Z' WHERE subscriber_id = $1",
            member,
        )
        await conn.execute(
            "UPDATE directory.tokens SET expires_at = '2030-12-01T08:30:00Z' "
            "WHERE account_id = (SELECT account_id FROM directory.tokens ORDER BY id DESC LIMIT 1)"
        )

        async with client.get(f"{stack.console}/lists/ee-uudised") as page:
            text = await page.text()
        assert f'data-status="confirmed">{GROUPED[lang]}<' in text

        async with client.get(f"{stack.console}/lists/ee-uudised/members/{member}") as page:
            text = await page.text()
        assert text.count(IN_TALLINN[lang]) == 2  # subscribed and confirmed
        assert "Europe/Tallinn" in text
        assert "2026-03-04 13:05" not in text

        async with client.get(f"{stack.console}/tokens") as page:
            text = await page.text()
        assert EXPIRY_UTC[lang] in text

        # A scheduled campaign says when, in the network's zone.
        form = {"csrf": csrf.group(1), "subject": "Uudised"}
        async with client.post(f"{stack.console}/lists/ee-uudised/campaigns", data=form) as made:
            assert made.status == 200, await made.text()
            campaign = made.url.path
        await conn.execute(
            "UPDATE mailing.campaigns SET status = 'scheduled', "
            "scheduled_at = '2030-03-04T13:05:00Z' WHERE id = $1",
            int(campaign.rsplit("/", 1)[1]),
        )
        async with client.get(f"{stack.console}{campaign}") as page:
            text = await page.text()
        assert SCHEDULED[lang] in text
    finally:
        await client.close()
