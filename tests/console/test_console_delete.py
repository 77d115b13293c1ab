"""Deleting a contact in the console: asked first, undone from the list (no JavaScript)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


async def test_delete_asks_then_undo_brings_the_contact_back(
    page_without_js: Page, stack: Stack, coordinator: str
) -> None:
    page = page_without_js
    await sign_in(page, stack, coordinator)
    madis = page.get_by_role("link", name="Madis Kanarbik", exact=True)
    await expect(madis).to_be_visible()
    await page.get_by_role("button", name="Delete: Madis Kanarbik").click()
    await expect(page.get_by_role("heading", name="Delete this contact?")).to_be_visible()
    await expect(page.get_by_text("You can undo it for 15 minutes")).to_be_visible()
    # Keeping it changes nothing.
    await page.get_by_role("link", name="Keep it").click()
    await expect(madis).to_be_visible()

    await page.get_by_role("button", name="Delete: Madis Kanarbik").click()
    await page.get_by_role("button", name="Delete the contact").click()
    await expect(page.get_by_role("status")).to_contain_text("The contact is deleted.")
    await expect(madis).to_have_count(0)
    public = await page.request.get(f"{stack.directory}/v1/networks/ee/contacts")
    assert "Kanarbik" not in await public.text()

    await page.get_by_role("button", name="Undo").click()
    await expect(page.get_by_role("status")).to_have_text("The contact is back, as it was.")
    await expect(madis).to_be_visible()
    public = await page.request.get(f"{stack.directory}/v1/networks/ee/contacts")
    assert "Kanarbik" in await public.text()
    # A second undo (pressed twice, or in another tab) finds it already back, and says so:
    # not "too late, gone for good" about a contact that is there.
    contact = await madis.get_attribute("href")
    assert contact is not None
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    again = await page.request.post(
        f"{stack.console}{contact}/restore",
        form={"csrf": csrf or "", "back": "/contacts"},
    )
    assert again.url.endswith("/contacts?restored=already")
    await page.goto(again.url)
    await expect(page.get_by_role("status")).to_have_text(
        "The contact is not deleted: it was already brought back."
    )
    await expect(page.get_by_text("Too late to undo")).to_have_count(0)


async def test_undo_is_offered_for_every_restorable_deletion_and_never_for_a_forged_link(
    page_without_js: Page, stack: Stack, coordinator: str
) -> None:
    page = page_without_js
    await sign_in(page, stack, coordinator)
    madis = page.get_by_role("link", name="Madis Kanarbik", exact=True)
    contact = await madis.get_attribute("href")
    assert contact is not None
    madis_id = contact.rsplit("/", 1)[1]
    # A link saying a contact was deleted, when it was not: no banner, no Undo.
    await page.goto(f"{stack.console}/contacts?network=ee&deleted={madis_id}")
    await expect(madis).to_be_visible()
    await expect(page.get_by_text("The contact is deleted.")).to_have_count(0)
    await expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    # Deleted, then the list opened afresh (another visit, no ?deleted=): the Undo is there.
    await page.get_by_role("button", name="Delete: Madis Kanarbik").click()
    await page.get_by_role("button", name="Delete the contact").click()
    await expect(page.get_by_role("status")).to_contain_text("You can undo it until")
    await page.goto(f"{stack.console}/contacts?network=ee")
    recent = page.locator("section", has=page.get_by_role("heading", name="Deleted recently"))
    await expect(recent).to_contain_text("Madis Kanarbik: can be brought back until")
    await recent.get_by_role("button", name="Undo: Madis Kanarbik").click()
    await expect(page.get_by_role("status")).to_have_text("The contact is back, as it was.")
    await expect(madis).to_be_visible()
    await expect(page.get_by_role("heading", name="Deleted recently")).to_have_count(0)
