"""What does not exist is "not found", in the console's language, in Chromium: an admin (who
may open everything) never reads the 403 page's "belongs to a network you do not coordinate"
for an unknown or erased item, and an address no console route answers is an HTML page in the
console's language, not the server's English JSON."""

from __future__ import annotations

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.conftest import MakeAccount
from tests.support.newsletters import people
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")

LIST = {
    "slug": "ee-leidmata",
    "network": "ee",
    "lang": "et",
    "names": {"et": "FOR-IN leidmata"},
    "from_name": "Madis Kanarbik",
    "from_address": "uudised@example.ee",
}


async def test_unknown_and_erased_things_are_not_found_not_forbidden(
    page: Page, stack: Stack, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin}"}) as http,
        http.post(f"{stack.mailing}/v1/lists", json=LIST) as created,
    ):
        assert created.status == 201
    await people(conn, "ee-leidmata", [("kustutatud@example.ee", "Mari Maasikas", "confirmed")])
    erased = await conn.fetchval(
        "SELECT id FROM mailing.subscribers WHERE email = 'kustutatud@example.ee'"
    )
    # Erased as the person's own erasure leaves it: no subscriber, no subscription.
    await conn.execute("DELETE FROM mailing.subscriptions WHERE subscriber_id = $1", erased)
    await conn.execute("DELETE FROM mailing.subscribers WHERE id = $1", erased)
    await sign_in(page, stack, admin, lang="lv")
    for path in (
        "/lists/ee-leidmata/members/99999",
        f"/lists/ee-leidmata/members/{erased}",
        "/campaigns/99999",
        "/lists/nope",
        "/organisations/nope",
        "/campaigns/abc",
        "/contacts/abc",
        "/nekur",
    ):
        response = await page.goto(f"{stack.console}{path}")
        assert response is not None
        assert response.status == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        await expect(page.get_by_role("heading", level=1)).to_have_text("Nav atrasts")
        assert await page.locator("html").get_attribute("lang") == "lv"
        shown = await page.locator("main").inner_text()
        assert "tīklam, kuru jūs nekoordinējat" not in shown
        assert "Not Found" not in shown
