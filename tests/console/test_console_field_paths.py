"""A refusal naming an API field path is shown beside the form's own input, in Chromium: a
per-language name (`names.lv`) beside its name, a refused site beside the sites; a page's
address typed as a site is taken as its site."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.conftest import MakeAccount
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_refused_name_in_one_language_is_marked_beside_that_name(
    page: Page, stack: Stack, make_account: MakeAccount
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    await sign_in(page, stack, admin)
    await page.goto(f"{stack.console}/organisations")
    await page.get_by_label("Name (lt)").fill("Kauno miesto savivaldybė")
    await page.get_by_role("button", name="Add the organisation").click()
    await page.get_by_role("link", name="Kauno miesto savivaldybė").click()
    # A control character (U+0007, as pasted from some programs) in the Latvian name.
    await page.get_by_label("Name (lv)").fill("Kauņas\u0007 pašvaldība")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("Please check the marked fields.")
    latvian = page.get_by_label("Name (lv)")
    await expect(latvian).to_have_attribute("aria-invalid", "true")
    error = page.locator("#name_lv-error")
    await expect(error).to_be_visible()
    assert (await error.inner_text()).strip()
    assert "names.lv" not in await page.locator("main").inner_text()
    await expect(page.get_by_label("Name (lt)")).not_to_have_attribute("aria-invalid", "true")


async def test_a_page_address_is_taken_as_its_site_and_a_refused_site_is_marked(
    page: Page, stack: Stack, make_account: MakeAccount
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    await sign_in(page, stack, admin)
    await page.goto(f"{stack.console}/embed?network=for-in")
    sites = page.get_by_label("Sites (one a line; empty: as the network above)")
    await sites.fill("https://www.norden.ee\nhttps://norden.lv\nhttp://x.example/path?q=1")
    await page.get_by_role("button", name="Save sites").click()
    await expect(page.locator("main code", has_text="http://x.example")).to_have_text(
        "http://x.example"
    )
    await expect(page.get_by_text("must be * (every site)")).to_have_count(0)

    await sites.fill("https://www.norden.ee\nnorden punkts lv")
    await page.get_by_role("button", name="Save sites").click()
    await expect(sites).to_have_attribute("aria-invalid", "true")
    error = page.locator("#origins-error")
    await expect(error).to_contain_text("norden: Must be * (every site) or a site's address")
    assert "embed_origins" not in await page.locator("main").inner_text()


async def test_a_refused_phone_link_and_address_are_marked_in_their_own_row(
    page: Page, stack: Stack, coordinator: str
) -> None:
    await sign_in(page, stack, coordinator)
    await page.goto(f"{stack.console}/contacts/new?network=ee")
    await page.locator("#given_name").fill("Kadri")
    await page.locator("#family_name").fill("Mežecka")
    # The first phone row left empty: the refused number is the API's phones[0], the 2nd row.
    await page.locator("#phone-2").fill("helista Kadrile")
    await page.locator("#emails").fill("kadri@")
    await page.locator("#link-1").fill("javascript:alert(1)")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("Please check the marked fields.")
    await expect(page.locator("#phone-2")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#phone-1")).not_to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#emails")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#link-1")).to_have_attribute("aria-invalid", "true")
    for box in ("#phones-error", "#emails-error", "#links-error"):
        await expect(page.locator(box)).to_be_visible()
    shown = await page.locator("main").inner_text()
    for path in ("phones[0]", "emails[0]", "links[0]"):
        assert path not in shown
