"""A refused console form shows again what was typed, with the reason; the autosave says why."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.support.console_pages import new_campaign
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")


async def test_the_editor_keeps_a_refused_placeholder_and_says_why(
    page: Page, stack: Stack, coordinator: str
) -> None:
    editor = await new_campaign(page, stack, coordinator)
    help_text = page.locator("#body-help")
    await expect(help_text).to_contain_text("{name}")
    await expect(help_text).not_to_contain_text("%(")
    async with page.expect_response(lambda r: r.request.method == "POST") as refused:
        await page.get_by_label("Text (Markdown)").fill("Tere, {foo}!")
    assert (await refused.value).status == 422
    # The autosave is refused: the reason shows beside the text, which stays as typed.
    alert = page.locator("[data-editor-error]")
    await expect(alert).to_be_visible()
    await expect(alert).to_contain_text("{foo}")
    await expect(alert).not_to_contain_text("body:")
    await page.get_by_label("Subject").fill("Test {foo}")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("p.error[role=alert]").first).to_contain_text("{foo}")
    await expect(page.get_by_label("Subject")).to_have_value("Test {foo}")
    await expect(page.get_by_label("Text (Markdown)")).to_have_value("Tere, {foo}!")
    # Fixed, the alert goes and the draft is saved.
    await page.get_by_label("Subject").fill("Detsember")
    async with page.expect_response(lambda r: r.request.method == "POST") as saved:
        await page.get_by_label("Text (Markdown)").fill("Tere, {name}!")
    assert (await saved.value).status == 200
    await expect(alert).to_be_hidden()
    await page.goto(editor)
    await expect(page.get_by_label("Text (Markdown)")).to_have_value("Tere, {name}!")


async def test_without_javascript_a_refused_form_comes_back_as_typed(
    page_without_js: Page, stack: Stack, coordinator: str
) -> None:
    page = page_without_js
    await new_campaign(page, stack, coordinator)
    await page.get_by_label("Subject").fill("Test {foo}")
    await page.get_by_label("Text (Markdown)").fill("Sveiki, {foo}!")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("p.error[role=alert]").first).to_contain_text("{foo}")
    await expect(page.get_by_label("Subject")).to_have_value("Test {foo}")
    await expect(page.get_by_label("Text (Markdown)")).to_have_value("Sveiki, {foo}!")
    # A test to a mistyped address and a schedule in the past keep what was typed too.
    await page.get_by_label("Test addresses (comma-separated)").fill("ieva@example")
    await page.get_by_role("button", name="Send a test").click()
    await expect(page.get_by_label("Test addresses (comma-separated)")).to_have_value(
        "ieva@example"
    )
    await page.get_by_label("Date", exact=True).fill("2020-01-02")
    await page.get_by_label("Time", exact=True).fill("09:30")
    await page.get_by_role("button", name="Schedule").click()
    await expect(page.locator("p.error[role=alert]").first).to_be_visible()
    await expect(page.get_by_label("Date", exact=True)).to_have_value("2020-01-02")
    await expect(page.get_by_label("Time", exact=True)).to_have_value("09:30")
