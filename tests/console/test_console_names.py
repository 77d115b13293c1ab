"""A contact's names in the console's form follow the one name rule: what no one can see is
taken out of the form, so a save saves what the coordinator sees and is never refused for it."""

from __future__ import annotations

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")

SAID = (
    "Must not contain control characters, line breaks or invisible characters such as "
    "text-direction marks"
)


async def test_a_name_with_invisible_characters_is_shown_without_them_and_saved_so(
    page: Page, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    headers = {"Authorization": f"Bearer {coordinator}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        body = {"given_name": "Ona", "family_name": "Kisevičienė", "networks": [{"network": "ee"}]}
        async with http.post(f"{stack.directory}/v1/contacts", json=body) as made:
            assert made.status == 201, await made.text()
            contact_id = (await made.json())["id"]
        # As an address book pasted before the rule left it: a mark no one can see.
        await conn.execute(
            "UPDATE contacts SET family_name = $2 WHERE id = $1", contact_id, "Kisevičienė\u200e"
        )
        await sign_in(page, stack, coordinator)
        await page.goto(f"{stack.console}/contacts/{contact_id}")
        await expect(page.get_by_label("Family name")).to_have_value("Kisevičienė")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_have_text("Saved.")
        async with http.get(f"{stack.directory}/v1/contacts/{contact_id}") as saved:
            assert (await saved.json())["family_name"] == "Kisevičienė"

    # Pasted now, with a right-to-left override: refused beside the field, shown without it.
    await page.get_by_label("Given name").fill("Ona\u202e")
    await page.get_by_role("button", name="Save").click()
    given = page.get_by_label("Given name")
    await expect(given).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#given_name-error")).to_have_text(SAID)
    await expect(given).to_have_value("Ona")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
