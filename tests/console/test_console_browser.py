"""A coordinator, in Chromium, does their work in the console without a terminal."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Browser, Page, expect

from shared.directory_client import INTROSPECTION_SECONDS
from tests.conftest import MakeAccount
from tests.support.browser import axe_findings, shot
from tests.support.console_pages import SPLIT_WORDS, open_new_list
from tests.support.contacts import more_contacts
from tests.support.observe import drained
from tests.support.sessions import assert_sent_to_signin, cookie_of, session_ended, signed_in
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")

SUBSCRIBERS = (
    "email,name,lang,Märkus\r\n"
    "ieva.raubisko@example.lv,Ieva Raubiško,lv,\r\n"
    "zydrune@example.lt,Žydrūnė Kisevičienė,lt,\r\n"
    "jmk@example.ee,Jaan Jõemets,et,Tartu\r\n"
    "not-an-address,Broken Row,et,\r\n"
)


async def test_sign_in_and_see_only_my_networks(page: Page, stack: Stack, coordinator: str) -> None:
    await page.goto(f"{stack.console}/contacts")
    await page.wait_for_url("**/signin?next=/contacts")
    await page.get_by_label("API token").fill("kt_wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("unknown, revoked or expired")
    await sign_in(page, stack, coordinator)
    await expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    await expect(page.get_by_role("link", name="Madis Kanarbik")).to_be_visible()
    # The Estonian coordinator sees the Estonian network and nothing else.
    assert await page.locator("#network option").all_inner_texts() == ["Estonia"]
    await expect(page.get_by_role("link", name="Vida Bagdonavičienė")).to_have_count(0)
    assert await page.evaluate(SPLIT_WORDS) == []
    await shot(page, "contacts")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "kontakt_console")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url("**/signin")
    await page.goto(f"{stack.console}/contacts")
    await page.wait_for_url("**/signin?next=/contacts")


async def test_an_edited_contact_shows_in_the_public_widget(
    page: Page, stack: Stack, coordinator: str
) -> None:
    await sign_in(page, stack, coordinator)
    await page.get_by_role("link", name="Madis Kanarbik").click()
    title = "Koordinaator — Jõemets & Mežecka <test>"
    await page.get_by_label("Title (et)").fill(title)
    await page.get_by_label("Number 1", exact=True).fill("+372 5046 57O")
    await expect(page.locator("#phones-live")).to_contain_text("digits, spaces")
    await page.get_by_role("button", name="Save").click()
    # The directory refuses the number too; nothing is lost from the form.
    await expect(page.get_by_role("alert")).to_contain_text("check the marked fields")
    await expect(page.get_by_label("Title (et)")).to_have_value(title)
    await page.get_by_label("Number 1", exact=True).fill("+372 50 46570")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await shot(page, "contact")
    await page.goto(f"{stack.directory}/embed/ee?lang=et")
    await expect(page.get_by_text(title)).to_be_visible()


async def test_reorder_and_unpublish(page: Page, stack: Stack, coordinator: str) -> None:
    await sign_in(page, stack, coordinator)
    names = await page.locator("tbody th").all_inner_texts()
    await page.get_by_role("button", name=f"Move down: {names[0]}").click()
    assert (await page.locator("tbody th").all_inner_texts())[:2] == [names[1], names[0]]
    await page.get_by_role("button", name=f"Unpublish: {names[1]}").click()
    row = page.locator("tr", has=page.get_by_role("link", name=names[1]))
    await expect(row).to_contain_text("unpublished")
    url = f"{stack.directory}/v1/networks/ee/contacts"
    async with aiohttp.ClientSession() as http, http.get(url) as public:
        shown = [c["display_name"] for c in (await public.json())["items"]]
    assert names[1] not in shown
    assert names[0] in shown


async def test_import_subscribers_then_send_a_campaign_and_watch_it_finish(
    page: Page, stack: Stack, coordinator: str, tmp_path: Path
) -> None:
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-uudised")
    await page.get_by_label("A UTF-8 CSV file").set_input_files(
        {"name": "lugejad.csv", "mimeType": "text/csv", "buffer": SUBSCRIBERS.encode()}
    )
    await page.get_by_label("How did the people without a status").fill("Tartu seminar, 2025")
    await page.get_by_role("button", name="Upload").click()
    report = page.locator(".report")
    await expect(report.locator('[data-count="created"]')).to_have_text("3")
    await expect(report.locator('[data-count="rejected"]')).to_have_text("1")
    # A column the import gives no meaning is named, not silently dropped.
    await expect(report.locator('[data-count="ignored_columns"]')).to_have_text("Märkus")
    await expect(report.locator("td").nth(1)).to_have_text("E-mail")
    assert await page.locator("form[data-import] progress").evaluate("p => p.value === p.max")
    await page.reload()
    await expect(page.locator('[data-status="confirmed"]')).to_have_text("3")
    await page.get_by_label("E-mail / Name").fill("kisevič")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("cell", name="Žydrūnė Kisevičienė")).to_be_visible()
    await shot(page, "newsletter")
    async with page.expect_download() as exported:
        await page.get_by_role("link", name="Export subscribers (CSV)").click()
    saved = tmp_path / "lugejad.csv"
    await (await exported.value).save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text("utf-8"))))
    assert ["zydrune@example.lt", "Žydrūnė Kisevičienė", "lt", "confirmed"] in [r[:4] for r in rows]

    await page.get_by_label("Subject").fill("Uudised: Jõemets ja Mežecka")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    await page.get_by_label("Text (Markdown)").fill("# Tere, {name}!\n\n**Lõimumine** ja koostöö.")
    # The preview follows the typing (the draft saves itself).
    preview = page.frame_locator("iframe[data-preview]")
    await expect(preview.get_by_role("heading", name="Tere, Ieva!")).to_be_visible()
    # The help names the placeholder as it is typed.
    await expect(page.locator("#body-help")).to_have_text(
        "{name} becomes each reader's name. It is the only placeholder: braces have no other use."
    )
    await shot(page, "campaign-editor")
    await page.get_by_label("Test addresses").fill("proov@example.ee")
    await page.get_by_role("button", name="Send a test").click()
    # The request only records it: the mailing service's outbox sends it.
    await expect(page.get_by_role("status")).to_have_text("The test is on its way.")
    await drained(stack.settings.database_url or "", "mailing.outbox")
    assert any(m.rcpt_to == ["proov@example.ee"] for m in stack.sink.messages)
    await page.get_by_role("button", name="Send now").click()
    # Nothing goes before the coordinator has seen whom to and when.
    await expect(page.locator("[data-recipients]")).to_have_text("3")
    await page.get_by_role("button", name="Yes, send now").click()
    await expect(page.locator('[data-field="percent"]')).to_have_text("100", timeout=30_000)
    await expect(page.locator('[data-field="sent"]')).to_have_text("3")
    # Once it is over, the page shows deliveries over time as a chart.
    await expect(
        page.get_by_role("img", name=re.compile("3 messages sent between"))
    ).to_be_visible()
    # A finished campaign's page stays still (it reloads once, when the sending ends): its
    # script polls once more, finds the campaign over as the page says, and stops (no fixed
    # wait: a reload would come before the section says it settled, from this document).
    await expect(page.locator("[data-campaign-status]")).to_have_text("done", timeout=15_000)
    await page.wait_for_load_state("load")
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    await expect(page.locator("[data-progress]")).to_have_attribute("data-settled", "done")
    assert loads == []
    await shot(page, "campaign-progress")
    readers = sorted(m.rcpt_to[0] for m in stack.sink.messages if m.rcpt_to != ["proov@example.ee"])
    assert readers == ["ieva.raubisko@example.lv", "jmk@example.ee", "zydrune@example.lt"]


async def test_import_works_without_javascript(
    browser: Browser, stack: Stack, coordinator: str
) -> None:
    context = await browser.new_context(java_script_enabled=False, locale="en-GB")
    page = await context.new_page()
    try:
        await sign_in(page, stack, coordinator)
        await open_new_list(page, "ee-nojs")
        await page.get_by_label("A UTF-8 CSV file").set_input_files(
            {"name": "lugejad.csv", "mimeType": "text/csv", "buffer": SUBSCRIBERS.encode()}
        )
        await page.get_by_label("How did the people without a status").fill("Tartu, 2025")
        await page.get_by_role("button", name="Upload").click()
        await expect(page.get_by_role("heading", name="Import report")).to_be_visible()
        await expect(page.get_by_role("cell", name="E-mail", exact=True)).to_be_visible()
        await expect(page.locator('[data-count="ignored_columns"]')).to_have_text("Märkus")
    finally:
        await context.close()


async def test_another_networks_list_is_a_403_page(
    page: Page, stack: Stack, coordinator: str, make_account: MakeAccount
) -> None:
    _, latvian = await make_account("daina@example.lv", permissions={"lv": ("manage_lists",)})
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {latvian}"}) as http:
        body = {
            "slug": "lv-jaunumi",
            "network": "lv",
            "lang": "lv",
            "names": {"lv": "FOR-IN Latvija"},
            "from_name": "Daina",
            "from_address": "jaunumi@example.lv",
        }
        async with http.post(f"{stack.mailing}/v1/lists", json=body) as created:
            assert created.status == 201
    await sign_in(page, stack, coordinator)
    response = await page.goto(f"{stack.console}/lists/lv-jaunumi")
    assert response is not None
    assert response.status == 403
    await expect(page.get_by_role("heading", name="Not yours to open")).to_be_visible()
    # A Latvian contact is public, but not the Estonian coordinator's to edit.
    url = f"{stack.directory}/v1/networks/lv/contacts"
    async with aiohttp.ClientSession() as http, http.get(url) as public:
        latvian = (await public.json())["items"][0]["id"]
    response = await page.goto(f"{stack.console}/contacts/{latvian}")
    assert response is not None
    assert response.status == 403
    await page.get_by_role("link", name="Newsletters").click()
    await expect(page.get_by_role("link", name="FOR-IN Latvija")).to_have_count(0)


async def test_the_console_speaks_estonian_latvian_and_lithuanian(
    page: Page, stack: Stack, coordinator: str
) -> None:
    await sign_in(page, stack, coordinator, lang="et")
    await expect(page.get_by_role("heading", name="Kontaktid")).to_be_visible()
    await page.locator("#console-lang").select_option("lv")
    await expect(page.get_by_role("heading", name="Kontakti")).to_be_visible()
    await page.locator("#console-lang").select_option("lt")
    await expect(page.get_by_role("heading", name="Kontaktai")).to_be_visible()
    assert await page.locator("html").get_attribute("lang") == "lt"


async def test_main_pages_pass_axe_core(
    page: Page, browser: Browser, stack: Stack, coordinator: str, make_account: MakeAccount
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    await sign_in(page, stack, admin)
    await open_new_list(page, "ee-axe")
    await page.get_by_label("Subject").fill("Uudised")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    campaign = page.url
    cookies: list[Any] = list(await page.context.cookies())
    await page.goto(f"{stack.console}/contacts")
    contact = await page.get_by_role("link", name="Madis Kanarbik").get_attribute("href")
    pages = [
        "/signin",
        "/contacts",
        "/contacts/new",
        str(contact),
        f"{contact}/delete",
        "/suppressions",
        "/contacts/import",
        "/lists",
        "/lists/ee-axe",
        campaign.removeprefix(stack.console),
        "/embed?network=for-in&member=lt&lang=lt",
        "/accounts",
        "/tokens",
        "/organisations",
        "/organisations/providus",
    ]
    found = {}
    # One context (the session's cookies; CSP bypassed to add axe) and one tab for them all.
    context = await browser.new_context(bypass_csp=True, locale="en-GB")
    await context.add_cookies(cookies)
    tab = await context.new_page()
    for path in pages:
        await tab.goto(f"{stack.console}{path}")
        violations = await axe_findings(tab)
        if violations:
            found[path] = violations
    # The page that answers "Send now": whom to, and when, before anything goes.
    await tab.goto(campaign)
    await tab.get_by_role("button", name="Send now").click()
    await expect(tab.get_by_role("heading", name="Send this campaign?")).to_be_visible()
    found["send confirmation"] = await axe_findings(tab)
    await context.close()
    assert not any(found.values()), found


async def test_sign_in_by_a_link_sent_by_e_mail(page: Page, stack: Stack, coordinator: str) -> None:
    # Latviešu chosen on an English sign-in page: the link's mail and pages are Latvian.
    await page.goto(f"{stack.console}/signin?lang=en")
    await page.locator("#lang").select_option("lv")
    await page.get_by_label("E-mail").fill("madis.kanarbik@example.ee")
    await page.get_by_role("button", name="Send me a link").click()
    await expect(page.get_by_role("status")).to_contain_text("pieteikšanās saite ir ceļā")
    # An unknown address gets the very same answer, and no mail.
    await page.goto(f"{stack.console}/signin?lang=lv")
    await page.get_by_label("E-pasts").fill("nobody@example.ee")
    await page.get_by_role("button", name="Sūtīt man saiti").click()
    await expect(page.get_by_role("status")).to_contain_text("pieteikšanās saite ir ceļā")
    await drained(stack.settings.database_url or "", "console.outbox")  # mailed by the sender
    assert [m.rcpt_to for m in stack.sink.messages] == [["madis.kanarbik@example.ee"]]
    mail = stack.sink.messages[0].summary()
    assert mail["subject"] == "Jūsu pieteikšanās saite Kontakt konsolei"
    link = re.search(r"http://\S+/signin/link\?\S+", mail["text"])
    assert link is not None
    await page.goto(link.group(0))
    await page.get_by_role("button", name="Pieteikties").click()
    await expect(page.get_by_role("heading", name="Kontakti")).to_be_visible()
    # The link worked once; a second use is refused.
    await page.goto(link.group(0))
    await page.get_by_role("button", name="Pieteikties").click()
    await expect(page.get_by_role("alert")).to_contain_text("beigusies vai jau izmantota")


async def test_embed_builder_shows_the_widget_live_and_the_three_snippets(
    page: Page, stack: Stack, coordinator: str
) -> None:
    await sign_in(page, stack, coordinator)
    await page.get_by_role("link", name="Embed on a website").click()
    await page.get_by_label("Language").last.select_option("et")
    await page.wait_for_url("**/embed?*lang=et*")
    snippet = await page.locator("#snippet-js").inner_text()
    assert '<kontakt-contacts network="ee" lang="et"></kontakt-contacts>' in snippet
    assert f"{stack.directory}/widget.js" in snippet
    assert (
        f"{stack.directory}/embed/ee?lang=et" in await page.locator("#snippet-iframe").inner_text()
    )
    assert await page.locator("#snippet-fragment").inner_text() == (
        f"{stack.directory}/fragment/ee?lang=et"
    )
    # The fragment is bare cards: the lines its page needs (styles, one-click reveal) beside it.
    assert await page.locator("#snippet-fragment-head").inner_text() == (
        f'<link rel="stylesheet" href="{stack.directory}/widget.css">\n'
        f'<script src="{stack.directory}/widget.js" defer></script>'
    )
    # A heading never says "no script" above a snippet that holds one.
    iframe = page.locator("section", has=page.locator("#snippet-iframe"))
    assert "<script" in await page.locator("#snippet-iframe").inner_text()
    await expect(iframe.get_by_role("heading")).not_to_contain_text("no script")
    # The live widget, from the directory, inside the console's strict CSP.
    widget = page.locator("kontakt-contacts")
    await expect(widget.get_by_text("Madis Kanarbik")).to_be_visible()
    # Every Copy button says so and puts its own snippet on the clipboard.
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    buttons = page.locator("button[data-copy]")
    assert await buttons.count() >= 3
    for index in range(await buttons.count()):
        button = buttons.nth(index)
        assert (await button.inner_text()).strip() == "Copy"
        await button.click()
        copied = await button.get_attribute("data-copy")
        # It says so, in a status line that screen readers announce.
        status = page.locator(f"#{copied}-status")
        await expect(status).to_have_text("Copied.")
        assert await status.get_attribute("role") == "status"
        code = await page.locator(f"#{copied}").inner_text()
        assert await page.evaluate("() => navigator.clipboard.readText()") == code


async def test_without_the_clipboard_api_a_copy_button_selects_the_snippet_and_says_ctrl_c(
    page: Page, stack: Stack, coordinator: str
) -> None:
    """A console not served over https has no navigator.clipboard: say what to do instead."""
    await page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    await sign_in(page, stack, coordinator, lang="lv")
    await page.goto(f"{stack.console}/embed")
    buttons = page.locator("button[data-copy]")
    assert await buttons.count() >= 3
    for index in range(await buttons.count()):
        button = buttons.nth(index)
        await button.click()
        copied = await button.get_attribute("data-copy")
        await expect(page.locator(f"#{copied}-status")).to_contain_text("Ctrl+C")
        selected = await page.evaluate("() => window.getSelection().toString()")
        assert selected == await page.locator(f"#{copied}").inner_text()


async def test_an_admin_creates_an_account_grants_a_network_and_issues_a_token(
    page: Page, browser: Browser, stack: Stack, make_account: MakeAccount
) -> None:
    _, admin = await make_account("admin@example.ee", admin=True)
    await sign_in(page, stack, admin)
    await page.get_by_role("link", name="Accounts").click()
    await page.get_by_label("E-mail").fill("daina@example.lv")
    await page.get_by_label("Name", exact=True).first.fill("Daina Mežecka")
    await page.get_by_role("button", name="Create account").click()
    section = page.locator("section.account", has_text="daina@example.lv")
    await section.get_by_label("Manage newsletters: Latvia").check()
    await section.get_by_role("button", name="Save").click()
    section = page.locator("section.account", has_text="daina@example.lv")
    await expect(section.get_by_label("Manage newsletters: Latvia")).to_be_checked()
    await section.get_by_role("button", name="New token").click()
    token = await page.locator("#new-token").inner_text()
    # Her tokens are named as hers (not "your tokens") on the admin's page.
    section = page.locator("section.account", has_text="daina@example.lv")
    await expect(section.locator("caption", has_text="Tokens")).to_have_text(
        "Tokens: Daina Mežecka"
    )
    await shot(page, "accounts")
    # The new coordinator signs in with it and sees Latvia's newsletters only.
    context = await browser.new_context(locale="en-GB")
    other = await context.new_page()
    try:
        await sign_in(other, stack, token)
        await other.get_by_role("link", name="Newsletters").click()
        assert await other.locator("#new-network option").all_inner_texts() == ["Latvia"]
    finally:
        await context.close()
    # Revoked, the token opens nothing.
    section = page.locator("section.account", has_text="daina@example.lv")
    await section.get_by_role("button", name=re.compile("^Revoke")).click()
    bearer = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(headers=bearer) as api,
        api.get(f"{stack.directory}/v1/me") as me,
    ):
        assert me.status == 401


async def test_schedule_pause_resume_and_cancel_a_campaign(
    page: Page, stack: Stack, coordinator: str
) -> None:
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-ajastatud")
    await page.get_by_label("Subject").fill("Jõulukiri")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    status = page.locator("[data-campaign-status]")
    # A date and a time in the network's own zone; UTC and local time are shown to confirm.
    await expect(page.get_by_label("Time zone")).to_have_value("Europe/Tallinn")
    await page.get_by_label("Date").fill("2099-12-24")
    await page.get_by_label("Time", exact=True).fill("09:00")
    await page.get_by_role("button", name="Schedule").click()
    await expect(page.locator("[data-when]")).to_have_text(
        "Dec 24, 2099, 9:00 AM (Europe/Tallinn), which is Dec 24, 2099, 7:00 AM UTC"
    )
    await page.get_by_role("button", name="Schedule at this time").click()
    await expect(status).to_have_text("scheduled")
    await page.get_by_role("button", name="Pause").click()
    await expect(status).to_have_text("paused")
    await page.get_by_role("button", name="Resume").click()
    await expect(status).to_have_text("scheduled")
    await page.get_by_role("button", name="Cancel").click()
    await expect(status).to_have_text("cancelled")
    await expect(page.get_by_role("button", name="Resume")).to_have_count(0)
    # A time in the past is refused with the service's reason, and nothing changes.
    await page.get_by_role("link", name="Back").click()
    await page.get_by_label("Subject").fill("Teine kiri")
    await page.get_by_role("button", name="New campaign").click()
    await page.get_by_label("Date").fill("2020-12-24")
    await page.get_by_label("Time", exact=True).fill("09:00")
    await page.get_by_role("button", name="Schedule").click()
    await expect(page.get_by_role("alert")).to_contain_text("in the past")
    await expect(status).to_have_text("draft")


CONTACTS_CSV = (
    "given_name,family_name,title_et,phones,networks\r\n"
    "Kadri,Mežecka,Nõunik,+372 5123 4567,ee\r\n"
    "Jaan,Jõemets,Spetsialist,+372 50 46570,ee:member\r\n"
    "Ieva,Raubiško,Pētniece,+371 6721 1234,lv\r\n"
    "Vale,Number,,+372 12,ee\r\n"
)
VCF = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Žydrūnė Kisevičienė\r\nN:Kisevičienė;Žydrūnė;;;\r\n"
    "TITLE:Projektijuht\r\nTEL;TYPE=WORK:+372 7423 625\r\nEND:VCARD\r\n"
)


async def test_import_contacts_as_csv_and_vcard_then_export_both(
    page: Page, stack: Stack, coordinator: str, tmp_path: Path
) -> None:
    await sign_in(page, stack, coordinator)
    await page.get_by_role("link", name="Import contacts (CSV or vCard)").click()
    await page.get_by_label(".vcf / .csv").set_input_files(
        {"name": "kontaktid.csv", "mimeType": "text/csv", "buffer": CONTACTS_CSV.encode()}
    )
    # Checked first: the report, and nothing written.
    await page.get_by_role("button", name="Check first").click()
    report = page.locator(".report")
    await expect(report).to_contain_text("nothing was changed", timeout=30_000)
    await expect(report.locator('[data-count="created"]')).to_have_text("3")
    async with aiohttp.ClientSession() as http:
        url = f"{stack.directory}/v1/networks/ee/contacts?q=Kadri"
        async with http.get(url) as found:
            assert (await found.json())["items"] == []
    await page.get_by_role("button", name="Upload").click()
    await expect(report.locator('[data-count="created"]')).to_have_text("3", timeout=30_000)
    await expect(report).not_to_contain_text("nothing was changed")
    await expect(report.locator('[data-count="rejected"]')).to_have_text("1")
    # The Latvian row is refused (not this coordinator's network); the number nobody can
    # dial is kept as written, with a remark. Rows are numbered as the spreadsheet shows them.
    await expect(report.get_by_role("row", name=re.compile("^4 Ieva"))).to_contain_text(
        "not a network whose contacts you edit"
    )
    await expect(report.get_by_role("row", name=re.compile("^5 Vale"))).to_contain_text(
        "kept as written"
    )
    assert await page.locator("form[data-import] progress").evaluate("p => p.value === p.max")

    await page.get_by_label(".vcf / .csv").set_input_files(
        {"name": "kaart.vcf", "mimeType": "text/vcard", "buffer": VCF.encode()}
    )
    await page.get_by_role("button", name="Upload").click()
    await expect(report.locator('[data-count="created"]').last).to_have_text("1")
    await expect(report).not_to_contain_text("nothing was changed")

    await page.get_by_role("link", name="Contacts").click()
    await expect(page.get_by_role("link", name="Žydrūnė Kisevičienė")).to_be_visible()
    async with page.expect_download() as csv_download:
        await page.get_by_role("link", name="Export contacts (CSV)").click()
    csv_path = tmp_path / "export.csv"
    await (await csv_download.value).save_as(csv_path)
    exported = csv_path.read_text(encoding="utf-8")
    assert "Mežecka" in exported
    assert "madis.kanarbik@norden.ee" in exported  # the editor's export keeps addresses
    async with page.expect_download() as vcf_download:
        await page.get_by_role("link", name="Export as vCard").click()
    vcf_path = tmp_path / "export.vcf"
    await (await vcf_download.value).save_as(vcf_path)
    cards = vcf_path.read_text(encoding="utf-8")
    assert cards.count("BEGIN:VCARD") >= 5
    assert "Kisevičienė" in cards


async def test_a_coordinator_sees_their_phone_token_expire_and_revokes_it(
    page: Page, stack: Stack, coordinator: str
) -> None:
    """Issue 17 item 6: last use shown, a warning before expiry, revocation in the console."""
    bearer = {"Authorization": f"Bearer {coordinator}"}
    async with aiohttp.ClientSession(headers=bearer) as api:
        async with api.get(f"{stack.directory}/v1/me") as me:
            account = (await me.json())["id"]
        body = {"kind": "read", "name": "Jõemets iPhone", "expires_in_days": 3}
        async with api.post(f"{stack.directory}/v1/accounts/{account}/tokens", json=body) as made:
            phone = (await made.json())["token"]
    basic = {"Authorization": aiohttp.encode_basic_auth("madis", phone)}
    async with (
        aiohttp.ClientSession(headers=basic) as dav,
        dav.request("PROPFIND", f"{stack.vcard}/dav/addressbooks/ee/", headers={"Depth": "0"}) as r,
    ):
        assert r.status == 207
    await sign_in(page, stack, coordinator)
    # Every page says a token is about to end, and leads to the tokens.
    banner = page.get_by_role("status").filter(has_text="1 token expires soon")
    await expect(banner).to_contain_text("Jõemets iPhone")
    await banner.get_by_role("link").click()
    row = page.get_by_role("row", name=re.compile("Jõemets iPhone"))
    await expect(row).to_contain_text("read token (address books)")
    await expect(row).to_contain_text("expires soon")
    # Its last use (the PROPFIND above) is shown, to the minute, as the language writes dates.
    await expect(row.get_by_role("cell").nth(2)).to_have_text(
        re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M$")
    )
    await row.get_by_role("button", name="Revoke: Jõemets iPhone").click()
    # Revoked, it leaves the tokens that work; the ended ones are a link away.
    await expect(page.get_by_role("row", name=re.compile("Jõemets iPhone"))).to_have_count(0)
    await expect(page.locator(".expiring-tokens")).to_have_count(0)
    await page.get_by_role("link", name="Show revoked and expired tokens too").click()
    await expect(page.get_by_role("row", name=re.compile("Jõemets iPhone"))).to_contain_text(
        "revoked"
    )
    # The vcard service trusts an introspection answer for INTROSPECTION_SECONDS, no longer.
    statuses = []
    async with aiohttp.ClientSession(headers=basic) as dav:
        for _ in range(int(INTROSPECTION_SECONDS) + 5):
            url = f"{stack.vcard}/dav/addressbooks/ee/"
            async with dav.request("PROPFIND", url, headers={"Depth": "0"}) as r:
                statuses.append(r.status)
            if r.status == 401:
                break
            await asyncio.sleep(1)
    assert statuses[-1] == 401, statuses


async def test_a_coordinator_ends_a_sign_in_left_open_elsewhere(
    page: Page, stack: Stack, coordinator: str
) -> None:
    """Issue 14 item 6: sessions are revocable; ending one elsewhere ends it on the server."""
    elsewhere = await signed_in(stack, coordinator)  # e.g. a shared office computer
    try:
        cookie = cookie_of(elsewhere, stack)
        await sign_in(page, stack, coordinator)
        await page.get_by_role("link", name="Tokens").click()
        open_sessions = page.get_by_role("row").filter(
            has=page.get_by_role("button", name=re.compile("^Revoke: console sign-in"))
        )
        await expect(open_sessions).to_have_count(2)
        # The one in this browser says so; the other is the one to end.
        await expect(open_sessions.filter(has_text="this sign-in")).to_have_count(1)
        other = open_sessions.filter(has_not_text="this sign-in")
        await other.get_by_role("button").click()
        await expect(open_sessions).to_have_count(1)
        await expect(open_sessions).to_contain_text("this sign-in")
        # The other browser is signed out at its next click, and its session ends there and then.
        await assert_sent_to_signin(elsewhere, stack)
        assert await session_ended(stack, cookie)
        # This browser's own sign-in goes on.
        await page.get_by_role("link", name="Contacts").click()
        await expect(page).to_have_url(re.compile(r"/contacts"))
    finally:
        await elsewhere.close()


async def test_saving_a_contact_unchanged_changes_nothing_and_roles_and_kinds_are_editable(
    page: Page, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    headers = {"Authorization": f"Bearer {coordinator}"}
    every_field = {
        "given_name": "Žydrūnė",
        "family_name": "Jõemets-Mežecka",
        "display_name": "Dr Žydrūnė Jõemets-Mežecka",
        "titles": {"en": "Adviser", "et": "Nõunik", "lv": "Padomniece", "lt": "Patarėja"},
        "organisation": "ncm-tartu",
        "phones": [
            "5046 571",  # national, read in Estonia
            {"number": "+372 742 3625 ext. 12", "kind": "fax"},
        ],
        "emails": ["zydrune@example.ee", "z.joemets@example.ee"],
        "links": [{"url": "https://www.norden.ee", "label": "Norden"}, "https://example.ee/z"],
        "networks": [{"network": "ee", "role": "coordinator"}],
        "position": 42,
        "published": False,
    }
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{stack.directory}/v1/contacts", json=every_field) as made:
            assert made.status == 201, await made.text()
            contact_id = (await made.json())["id"]
        # A number an import kept as written (no API writes one) must survive a save too.
        await conn.execute(
            "INSERT INTO contact_phones (contact_id, position, e164, written, kind) "
            "VALUES ($1, 2, NULL, 'ask the secretary', 'voice')",
            contact_id,
        )
        url = f"{stack.directory}/v1/contacts/{contact_id}"
        async with http.get(url) as before:
            stored = await before.json()
        await sign_in(page, stack, coordinator)
        await page.goto(f"{stack.console}/contacts/{contact_id}")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_have_text("Saved.")
        async with http.get(url) as after:
            assert await after.json() == stored  # not a field, not the revision, not the time
        await page.get_by_label("Role: Estonia").select_option("member")
        await page.get_by_label("Kind 2", exact=True).select_option("work")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_have_text("Saved.")
        async with http.get(url) as changed:
            data = await changed.json()
    assert data["networks"] == [{"network": "ee", "role": "member"}]
    assert [(p["kind"], p["extension"]) for p in data["phones"]] == [
        ("cell", None),
        ("work", "12"),
        ("voice", None),
    ]
    assert data["revision"] == stored["revision"] + 1


async def test_scheduling_asks_which_of_a_doubled_hour_and_refuses_a_skipped_one_in_words(
    page: Page, stack: Stack, coordinator: str
) -> None:
    """Clocks going back pass 03:30 twice (Tallinn, 25 Oct 2099), going forward skip it
    (29 Mar 2099); an empty date is said in a person's words, not the API's."""
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-kell")
    await page.get_by_label("Subject").fill("Kellakiri")
    await page.get_by_role("button", name="New campaign").click()
    await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    status = page.locator("[data-campaign-status]")
    alert = page.get_by_role("alert").first
    # No date: what to do, never "must be an ISO 8601 time" nor a field name.
    await page.get_by_label("Time", exact=True).fill("09:00")
    await page.get_by_role("button", name="Schedule").click()
    await expect(alert).to_have_text("Choose the date and the time for sending it.")
    # The hour the clocks skip: a clear refusal with a time that exists.
    await page.get_by_label("Date").fill("2099-03-29")
    await page.get_by_label("Time", exact=True).fill("03:30")
    await page.get_by_role("button", name="Schedule").click()
    await expect(alert).to_contain_text("There is no 03:30 on March 29, 2099 in Europe/Tallinn")
    await expect(alert).to_contain_text("such as 04:30")
    await expect(status).to_have_text("draft")
    # The hour the clocks pass twice: asked which, never the first taken silently.
    await page.get_by_label("Date").fill("2099-10-25")
    await page.get_by_label("Time", exact=True).fill("03:30")
    await page.get_by_role("button", name="Schedule").click()
    await expect(alert).to_contain_text("03:30 happens twice on October 25, 2099")
    await expect(page.get_by_label("Date")).to_have_value("2099-10-25")
    second = page.get_by_label("The second 03:30 (UTC+02:00), an hour later")
    await expect(page.get_by_label("The first 03:30 (UTC+03:00)")).not_to_be_checked()
    await second.check()
    await page.get_by_role("button", name="Schedule").click()
    when = page.locator("[data-when]")
    await expect(when).to_contain_text("which is Oct 25, 2099, 1:30 AM UTC")
    await expect(page.locator("[data-which]")).to_contain_text("The second 03:30")
    await page.get_by_role("button", name="Schedule at this time").click()
    await expect(status).to_have_text("scheduled")


async def test_the_new_states_pass_axe_paging_undo_and_the_doubled_hour(
    browser: Browser, stack: Stack, coordinator: str, conn: asyncpg.Connection
) -> None:
    """The pages' states this round added: pages of contacts with a deletion to undo, and the
    schedule form asking which of a doubled hour."""
    await more_contacts(conn, "ee", 230)
    context = await browser.new_context(bypass_csp=True, locale="en-GB")
    try:
        page = await context.new_page()
        await sign_in(page, stack, coordinator)
        await page.get_by_role("button", name="Delete: Madis Kanarbik").click()
        await page.get_by_role("button", name="Delete the contact").click()
        await page.goto(f"{stack.console}/contacts?network=ee")
        await expect(page.get_by_role("heading", name="Deleted recently")).to_be_visible()
        await expect(page.get_by_role("link", name="Next page")).to_be_visible()
        assert not await axe_findings(page)
        await open_new_list(page, "ee-axe-kell")
        await page.get_by_label("Subject").fill("Kell")
        await page.get_by_role("button", name="New campaign").click()
        await page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
        await page.get_by_label("Date").fill("2099-10-25")
        await page.get_by_label("Time", exact=True).fill("03:30")
        await page.get_by_role("button", name="Schedule").click()
        await expect(page.locator("[data-twice]")).to_be_visible()
        assert not await axe_findings(page)
    finally:
        await context.close()
