"""A Latvian coordinator's console in Latvian, in Chromium: the directory's refusals arrive in
Latvian with a Latvian example, a number as dialled in Latvia is read as Latvian, and counts
follow Latvian plural rules."""

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
    "slug": "lv-jaunumi",
    "network": "lv",
    "lang": "lv",
    "names": {"lv": "FOR-IN Latvijas jaunumi"},
    "from_name": "Daina Mežecka",
    "from_address": "jaunumi@example.lv",
}


async def test_a_latvian_console_refuses_a_phone_in_latvian_and_reads_a_latvian_number(
    page_without_js: Page, stack: Stack, make_account: MakeAccount
) -> None:
    page = page_without_js
    _, latvian = await make_account("daina@example.lv", permissions={"lv": ("edit_contacts",)})
    await sign_in(page, stack, latvian, lang="lv")
    await page.get_by_role("link", name="Daina Mežecka").click()
    await page.locator("#phone-1").fill("zvaniet Dainai")
    await page.get_by_role("button", name="Saglabāt").click()
    await expect(page.get_by_role("alert")).to_contain_text("Lūdzu, pārbaudiet atzīmētos laukus.")
    error = page.locator("#phones-error")
    await expect(error).to_contain_text("'zvaniet Dainai' nav tālruņa numurs")
    await expect(error).to_contain_text("piem., +371 63 123 456")
    assert "+372" not in await error.inner_text()
    assert "not a phone number" not in await page.content()
    # As dialled in Latvia, without +371: read as a Latvian number.
    await page.locator("#phone-1").fill("6721 1234")
    await page.get_by_role("button", name="Saglabāt").click()
    await expect(page.get_by_role("status")).to_have_text("Saglabāts.")
    shown = await page.request.get(f"{stack.directory}/v1/networks/lv/contacts?q=Mežecka")
    (card,) = (await shown.json())["items"]
    assert "+37167211234" in [p["e164"] for p in card["phones"]]


async def test_a_latvian_campaign_to_one_reader_says_so_in_the_singular(
    page: Page, stack: Stack, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, latvian = await make_account(
        "daina@example.lv", permissions={"lv": ("manage_lists", "send_campaigns")}
    )
    api = {"Authorization": f"Bearer {latvian}"}
    async with aiohttp.ClientSession(headers=api) as http:
        async with http.post(f"{stack.mailing}/v1/lists", json=LIST) as created:
            assert created.status == 201
        await people(conn, "lv-jaunumi", [("ieva@example.lv", "Ieva Raubiško", "confirmed")])
        body = {"subject": "Decembris", "body": "Sveiki, {name}!"}
        async with http.post(f"{stack.mailing}/v1/lists/lv-jaunumi/campaigns", json=body) as made:
            campaign = (await made.json())["id"]
        async with http.post(f"{stack.mailing}/v1/campaigns/{campaign}/send") as sent:
            assert sent.status == 202
    await sign_in(page, stack, latvian, lang="lv")
    await page.goto(f"{stack.console}/campaigns/{campaign}")
    # Not "1 vēstules nosūtītas" (the plural), as before CLDR's rules.
    await expect(page.locator("p.help", has_text="nosūtīta")).to_contain_text(
        "1 vēstule nosūtīta laikā no", timeout=30_000
    )


CONTACT_ROWS = (
    "given_name,family_name,emails,networks\r\n"
    "Alda,Sebre,alda.sebre@example.lv,lv\r\n"
    "Vale,Adrese,bez-zimes.example.lv,lv\r\n"
)
READER_ROWS = (
    "email,name,lang\r\nieva@example.lv,Ieva Raubiško,lv\r\nbez-zimes.example.lv,Vale,lv\r\n"
)


async def test_a_latvian_console_streams_both_imports_reports_in_latvian(
    page: Page, stack: Stack, make_account: MakeAccount
) -> None:
    """With JavaScript the console streams an import's progress lines from the service; the
    report they end with is in the reader's language, as without JavaScript (it was English,
    with the Estonian example address, for both imports)."""
    _, latvian = await make_account(
        "daina@example.lv", permissions={"lv": ("edit_contacts", "manage_lists")}
    )
    api = {"Authorization": f"Bearer {latvian}"}
    async with (
        aiohttp.ClientSession(headers=api) as http,
        http.post(f"{stack.mailing}/v1/lists", json=LIST) as created,
    ):
        assert created.status == 201
    await sign_in(page, stack, latvian, lang="lv")
    await page.goto(f"{stack.console}/contacts/import?network=lv")
    await page.locator("#file").set_input_files(
        {"name": "kontakti.csv", "mimeType": "text/csv", "buffer": CONTACT_ROWS.encode()}
    )
    await page.locator("form[data-import] button:not(.secondary)").click()
    report = page.locator(".report")
    await expect(report.locator('[data-count="rejected"]')).to_have_text("1", timeout=30_000)
    await expect(report).to_contain_text("Adresē jābūt @ zīmei, piemēram, vards@example.lv.")
    assert "name@example.ee" not in await report.inner_text()
    # The field in the person's words, not the API's path.
    assert "emails[0]" not in await report.inner_text()

    await page.goto(f"{stack.console}/lists/lv-jaunumi")
    await page.locator("#file").set_input_files(
        {"name": "lasitaji.csv", "mimeType": "text/csv", "buffer": READER_ROWS.encode()}
    )
    await page.locator("#consent").fill("Rīgas seminārs, 2026")
    await page.locator("form[data-import] button[type=submit]").last.click()
    await expect(report.locator('[data-count="rejected"]')).to_have_text("1", timeout=30_000)
    await expect(report).to_contain_text("vards@example.lv")
    assert "name@example.ee" not in await report.inner_text()
    # The rejected row's field in Latvian, not the API's `email`.
    await expect(report.locator("td").nth(1)).to_have_text("E-pasts")


async def test_without_javascript_the_contact_import_report_names_fields_in_words(
    page_without_js: Page, stack: Stack, make_account: MakeAccount
) -> None:
    page = page_without_js
    _, latvian = await make_account("daina@example.lv", permissions={"lv": ("edit_contacts",)})
    await sign_in(page, stack, latvian, lang="lv")
    await page.goto(f"{stack.console}/contacts/import?network=lv")
    await page.locator("#file").set_input_files(
        {"name": "kontakti.csv", "mimeType": "text/csv", "buffer": CONTACT_ROWS.encode()}
    )
    await page.locator("form[data-import] button:not(.secondary)").click()
    row = page.get_by_role("row", name="3 Vale Adrese")
    await expect(row).to_contain_text("E-pasta adreses 1: Adresē jābūt @ zīmei")
    assert "emails[0]" not in await page.locator("main").inner_text()
