"""Returned mail, member management and the suppression list, in Chromium, as people use them."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import MakeAccount
from tests.support.browser import axe_violations
from tests.support.console_pages import open_new_list
from tests.support.newsletters import people
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")


async def returned(conn: asyncpg.Connection, email: str, **event: str) -> None:
    """A report the intake recorded about a subscriber (set-up; the intake has its own tests)."""
    await conn.execute(
        "INSERT INTO mailing.return_events (subscriber_id, list_id, kind, status, diagnostic, "
        "reporting_mta, format, matched_by, intake, outcome) "
        "SELECT b.id, s.list_id, $2, $3, $4, $5, 'rfc3464', 'verp', 'lmtp', $6 "
        "FROM mailing.subscribers b JOIN mailing.subscriptions s ON s.subscriber_id = b.id "
        "WHERE b.email = $1",
        email,
        event["kind"],
        event["status"],
        event["diagnostic"],
        event["mta"],
        event["outcome"],
    )


async def test_a_coordinator_sees_returned_mail_and_manages_one_member(
    page: Page,
    browser: Browser,
    stack: Stack,
    coordinator: str,
    conn: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    await sign_in(page, stack, coordinator)
    await open_new_list(page, "ee-uudised")
    await people(
        conn,
        "ee-uudised",
        [
            ("tagasi@example.ee", "Jaan Jõemets", "bounced"),
            ("ieva@example.ee", "Ieva Mežecka", "confirmed"),
            ("<b>x</b>@example.ee", "<script>alert(1)</script>", "confirmed"),
        ],
    )
    await conn.execute("UPDATE mailing.subscriptions SET confirmed_at = '2024-05-01'")
    full = "smtp; 452 4.2.2 <tagasi@example.ee>: Mailbox full"
    await returned(
        conn, "tagasi@example.ee", kind="soft", status="4.2.2", diagnostic=full,
        mta="mx.example.ee", outcome="stopped",
    )  # fmt: skip
    await page.reload()
    await page.get_by_label("Status", exact=True).select_option("bounced")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name="tagasi@example.ee").click()
    await page.wait_for_url(re.compile(r".*/lists/ee-uudised/members/\d+$"))
    member = page.url

    # What came back, with its evidence.
    row = page.locator("tr[data-return='soft']")
    await expect(row).to_contain_text("Soft bounce")
    await expect(row).to_contain_text("4.2.2")
    await expect(row).to_contain_text("Mailbox full")
    await expect(row).to_contain_text("mx.example.ee")
    await expect(row).to_contain_text("Mail stopped")

    # Reinstate with a reason: the status and the record say so, with who did it.
    await page.get_by_label("Reason (recorded with your name)").fill("Mailbox emptied, said so")
    await page.get_by_role("button", name="Reinstate").click()
    await expect(page.get_by_role("status")).to_have_text("Reinstated.")
    await expect(page.locator("[data-member-status]")).to_have_text("Subscribed")
    history = page.get_by_role("row", name=re.compile("Mailbox emptied, said so"))
    await expect(history).to_contain_text("madis.kanarbik@example.ee")
    await expect(history).to_contain_text("Bounced → Subscribed")
    # A refusal is shown on the page that answers the form.
    await page.get_by_label("Reason (recorded with your name)").fill("Asked to stop")
    await page.get_by_role("button", name="Block").click()
    await expect(page.get_by_role("status")).to_contain_text("Blocked")
    await expect(page.get_by_role("button", name="Unsubscribe")).to_have_count(0)

    # The same page in Lithuanian.
    await page.locator("#console-lang").select_option("lt")
    await expect(page.get_by_role("heading", name="Grąžinti laiškai ir skundai")).to_be_visible()
    await expect(page.locator("[data-member-status]")).to_have_text("Užblokuota")
    await page.locator("#console-lang").select_option("en")
    await expect(page.locator("[data-member-status]")).to_have_text("Blocked")

    # Removing someone entered by mistake goes back to the list and says so.
    await page.goto(f"{stack.console}/lists/ee-uudised?q=ieva")
    await page.get_by_role("link", name="ieva@example.ee").click()
    await page.get_by_label("Reason (recorded with your name)").fill("Entered by mistake")
    await page.get_by_role("button", name="Remove from the list").click()
    await page.wait_for_url("**/lists/ee-uudised?m=removed")
    await expect(page.get_by_role("status")).to_have_text(
        "The subscriber was removed from the list."
    )

    # Names people typed are shown as text, never run.
    await page.goto(f"{stack.console}/lists/ee-uudised?q=example")
    await expect(page.get_by_role("cell", name="<script>alert(1)</script>")).to_be_visible()

    # The Excel export: the byte-order mark and `;` Excel needs in Baltic regions.
    async with page.expect_download() as exported:
        await page.get_by_role("link", name="Export for Excel").click()
    download = await exported.value
    assert download.suggested_filename == "ee-uudised-excel.csv"
    saved = tmp_path / "ee-uudised-excel.csv"
    await download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith('\ufeff"email";"name"'.encode())
    assert '"tagasi@example.ee";"Jaan Jõemets";"et";"blocked"'.encode() in data

    cookies = await page.context.cookies()
    assert not await axe_violations(browser, member, cookies)


async def test_an_admin_keeps_the_suppression_list(
    page: Page,
    browser: Browser,
    stack: Stack,
    coordinator: str,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
) -> None:
    # A coordinator neither sees the list in the menu nor opens it.
    await sign_in(page, stack, coordinator)
    await expect(page.get_by_role("link", name="Suppression list")).to_have_count(0)
    response = await page.goto(f"{stack.console}/suppressions")
    assert response is not None
    assert response.status == 403
    await page.get_by_role("button", name="Sign out").click()

    _, admin = await make_account("admin@example.ee", admin=True)
    await sign_in(page, stack, admin)
    await page.get_by_role("link", name="Suppression list").click()
    await page.get_by_label("Address", exact=True).fill("Kisevičienė@example.lt")
    await page.get_by_label("Note", exact=True).fill("asked at the Vilnius seminar")
    await page.get_by_role("button", name="Suppress", exact=True).click()
    await expect(page.get_by_role("heading", name="Kisevičienė@example.lt")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text(
        "The address is on the suppression list now."
    )
    await expect(page.locator("[data-suppressed]")).to_contain_text("Added by hand")
    await expect(page.locator("[data-suppressed]")).to_contain_text("asked at the Vilnius seminar")

    # An old provider's list, as Excel saves it in Latvia, with progress and a report.
    await page.locator("#main").get_by_role("link", name="Suppression list").click()
    file = (
        "\ufeffE-pasts;Vārds\r\n"
        "vecs@example.lv;Mežecka\r\n"
        "nav adrese;X\r\n"
        "kisevičienė@example.lt;K\r\n"
    )
    await page.get_by_label("A UTF-8 CSV file with an e-mail column").set_input_files(
        {"name": "vecie.csv", "mimeType": "text/csv", "buffer": file.encode()}
    )
    await page.get_by_label("Where does the file come from?").fill("previous provider")
    await page.get_by_role("button", name="Upload").click()
    report = page.locator(".report")
    await expect(report.locator('[data-count="added"]')).to_have_text("1")
    await expect(report.locator('[data-count="already"]')).to_have_text("1")
    await expect(report.locator('[data-count="rejected"]')).to_have_text("1")
    await expect(report.locator("td").first).to_have_text("3")

    await page.reload()
    await page.get_by_label("Reason").select_option("imported")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("tbody tr")).to_have_count(1)
    await page.get_by_role("link", name="vecs@example.lv").click()
    await page.get_by_label("Why may this address get mail again?").fill("checked with the owner")
    await page.get_by_role("button", name="Take off the suppression list").click()
    await expect(page.get_by_role("status")).to_contain_text("off the suppression list")
    history = page.locator("tbody tr")
    await expect(history).to_have_count(2)
    await expect(history.last).to_contain_text("checked with the owner")
    entry = page.url
    cookies = await page.context.cookies()
    for url in (f"{stack.console}/suppressions", entry):
        assert not await axe_violations(browser, url, cookies), url

    # Without JavaScript the import answers with its report page.
    context = await browser.new_context(java_script_enabled=False, locale="en-GB")
    plain = await context.new_page()
    try:
        await sign_in(plain, stack, admin)
        await plain.goto(f"{stack.console}/suppressions")
        await plain.get_by_label("A UTF-8 CSV file with an e-mail column").set_input_files(
            {"name": "more.csv", "mimeType": "text/csv", "buffer": b"email\nnew@example.ee\n"}
        )
        await plain.get_by_role("button", name="Upload").click()
        await expect(plain.get_by_role("heading", name="Import report")).to_be_visible()
        await expect(plain.locator('[data-count="added"]')).to_have_text("1")
    finally:
        await context.close()
    assert await conn.fetchval(
        "SELECT count(*) FROM mailing.suppressions WHERE address = 'new@example.ee'"
    )
