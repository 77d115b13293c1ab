"""Organisations in the console: added with a name per language, renamed by an admin or by a
coordinator who edits every contact working there, and picked in the contact form by typing
(a datalist, so without JavaScript too)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from services.console.organisation_names import slug_from
from tests.conftest import MakeAccount
from tests.support.browser import shot
from tests.support.console_pages import SPLIT_WORDS
from tests.support.sessions import signed_in
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


# An organisation's name is the name of a thing (lv "nosaukums", lt "pavadinimas"), never a
# person's first name (lv "vārds", lt "vardas"), in the table's header as in its form.
NAME_HEADER = {"en": "Name", "et": "Nimi", "lv": "Nosaukums", "lt": "Pavadinimas"}


@pytest.mark.parametrize("lang", ["en", "et", "lv", "lt"])
async def test_the_organisations_table_calls_their_names_names_of_things(
    stack: Stack, coordinator: str, lang: str
) -> None:
    client = await signed_in(stack, coordinator, lang=lang)
    try:
        async with client.get(f"{stack.console}/organisations") as page:
            assert page.status == 200
            text = await page.text()
    finally:
        await client.close()
    assert f'<thead><tr><th scope="col">{NAME_HEADER[lang]}</th>' in text


def test_slugs_are_made_from_names_with_diacritics() -> None:
    assert slug_from("Rīgas dome") == "rigas-dome"
    assert slug_from("Šiaulių miesto savivaldybė") == "siauliu-miesto-savivaldybe"
    assert slug_from("Tallinna Linnavalitsus (TLV)") == "tallinna-linnavalitsus-tlv"


async def test_a_coordinator_adds_an_organisation_and_picks_it_by_name_without_javascript(
    page_without_js: Page, stack: Stack, coordinator: str
) -> None:
    page = page_without_js
    await sign_in(page, stack, coordinator)
    await page.get_by_role("link", name="Organisations").click()
    await page.get_by_label("Name (lv)").fill("Rīgas dome")
    await page.get_by_label("Name (en)").fill("Riga City Council")
    await page.get_by_label("Country").select_option("LV")
    await page.get_by_role("button", name="Add the organisation").click()
    await expect(page.get_by_role("status")).to_contain_text("The organisation is added")
    row = page.locator("tr", has=page.get_by_role("link", name="Riga City Council"))
    await expect(row).to_contain_text("Rīgas dome")
    assert await page.evaluate(SPLIT_WORDS) == []
    await shot(page, "organisations")
    # The same slug again is refused with the reason, and what was typed stays.
    await page.get_by_label("Name (lv)").fill("Rīgas dome")
    await page.get_by_label("Country").select_option("LV")
    await page.get_by_role("button", name="Add the organisation").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_label("Name (lv)")).to_have_value("Rīgas dome")
    # Nobody works there yet, so the coordinator may still correct it...
    await page.goto(f"{stack.console}/organisations/rigas-dome")
    await page.get_by_label("Name (et)").fill("Riia linnavalitsus")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await expect(page.get_by_label("Name (et)")).to_have_value("Riia linnavalitsus")
    # ...but not one whose name shows on Latvian contacts' cards: the reason, and what was typed.
    await page.goto(f"{stack.console}/organisations/providus")
    await page.get_by_label("Name (en)").fill("Providus (renamed)")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("who edits every contact working at")).to_be_visible()
    await expect(page.get_by_label("Name (en)")).to_have_value("Providus (renamed)")

    # The contact form offers it as a choice, and a typed name means it too.
    await page.goto(f"{stack.console}/contacts")
    await page.get_by_role("link", name="Madis Kanarbik").click()
    options = page.locator("#organisation-choices option[value='rigas-dome']")
    await expect(options).to_have_text("Riga City Council")
    await page.get_by_label("Organisation", exact=True).fill("rīgas dome")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await expect(page.get_by_label("Organisation", exact=True)).to_have_value("rigas-dome")
    # A name that is no organisation is refused on its field.
    await page.get_by_label("Organisation", exact=True).fill("Nonexistent Ministry")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#organisation-error")).to_contain_text(
        "No organisation is called “Nonexistent Ministry”"
    )
    await expect(page.get_by_label("Organisation", exact=True)).to_have_value(
        "Nonexistent Ministry"
    )


async def test_an_admin_renames_an_organisation_per_language_and_types_to_pick(
    page: Page, stack: Stack, make_account: MakeAccount
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    await sign_in(page, stack, admin)
    await page.goto(f"{stack.console}/organisations")
    await page.get_by_label("Name (lt)").fill("Vilniaus miesto savivaldybė")
    await page.get_by_role("button", name="Add the organisation").click()
    await page.get_by_role("link", name="Vilniaus miesto savivaldybė").click()
    await page.get_by_label("Name (en)").fill("Vilnius City Municipality")
    await page.get_by_label("Name (lv)").fill("Viļņas pilsētas pašvaldība")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vilnius City Municipality")
    await page.locator("#console-lang").select_option("lv")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Viļņas pilsētas pašvaldība")
    await page.locator("#console-lang").select_option("en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vilnius City Municipality")

    # The contact form's field offers it (the browser's list narrows as one types).
    await page.goto(f"{stack.console}/contacts/new")
    options = await page.locator("#organisation-choices option").evaluate_all(
        "os => os.map(o => [o.value, o.textContent])"
    )
    assert ["vilniaus-miesto-savivaldybe", "Vilnius City Municipality"] in options
