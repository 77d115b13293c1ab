"""The embed builder asks which sites may show a network's contacts (issue 14, item 2)."""

from __future__ import annotations

import html
import re

import aiohttp
import pytest
from playwright.async_api import Page, expect

from tests.support.sessions import signed_in
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")

NORDEN = "https://www.norden.ee"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found[1]


async def _allowed(stack: Stack, origin: str) -> str | None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{stack.directory}/v1/widget/for-in", headers={"Origin": origin}) as answer,
    ):
        return answer.headers.get("Access-Control-Allow-Origin")


async def test_an_admin_lists_the_sites_and_a_coordinator_is_told_whom_to_ask(
    stack: Stack, admin_token: str, coordinator: str
) -> None:
    admin = await signed_in(stack, admin_token)
    try:
        async with admin.get(f"{stack.console}/embed?network=for-in") as page:
            text = await page.text()
        assert "No site yet: no page elsewhere can reveal an address." in text
        assert await _allowed(stack, NORDEN) is None
        form = {"csrf": _csrf(text), "network": "for-in"}
        bad = "javascript:alert(1)\nhttps://www.norden.ee"
        async with admin.post(
            f"{stack.console}/embed/origins", data=form | {"origins": bad}
        ) as refused:
            assert refused.status == 422
            shown = await refused.text()
        # The reason, beside the sites, names the site refused, not the API's embed_origins[0].
        assert "embed_origins" not in shown
        assert "javascript:alert(1): Must be * (every site) or a site's address" in html.unescape(
            shown
        )
        assert 'aria-describedby="origins-error"' in shown
        assert html.escape(bad) in shown  # what was typed stays in the form
        assert await _allowed(stack, NORDEN) is None
        good = f"{NORDEN}/\n  https://norden.lv\n"
        async with admin.post(
            f"{stack.console}/embed/origins", data=form | {"origins": good}, allow_redirects=False
        ) as saved:
            assert saved.status == 303
            assert saved.headers["Location"] == "/embed?network=for-in"
        assert await _allowed(stack, NORDEN) == NORDEN
        async with admin.get(f"{stack.console}/embed?network=ee") as page:
            text = await page.text()
        assert "From the network above:" in text
        assert f"<code>{NORDEN}</code>" in text
    finally:
        await admin.close()

    estonian = await signed_in(stack, coordinator)
    try:
        async with estonian.get(f"{stack.console}/embed") as page:
            text = await page.text()
        assert "Only an admin can change this list" in text
        assert 'action="/embed/origins"' not in text
        form = {"csrf": _csrf(text), "network": "ee", "origins": "https://evil.example"}
        async with estonian.post(f"{stack.console}/embed/origins", data=form) as refused:
            assert refused.status == 403
        assert await _allowed(stack, "https://evil.example") is None
    finally:
        await estonian.close()


# The iframe snippet's title, by the widget's language: the one chosen, else the shown
# network's own default (FOR-IN's is English, its Latvian member network's Latvian).
FRAME_TITLES = {
    "/embed?network=for-in&member=lt&lang=et": ("Kontaktid", "et"),
    "/embed?network=for-in&member=lv": ("Kontakti", "lv"),
    "/embed?network=for-in&member=lt": ("Kontaktai", "lt"),
    "/embed?network=for-in": ("Contacts", "en"),
}


@pytest.mark.parametrize("console_lang", ["en", "lv"])
async def test_the_iframe_snippets_title_is_in_the_widgets_language(
    stack: Stack, admin_token: str, console_lang: str
) -> None:
    admin = await signed_in(stack, admin_token, lang=console_lang)
    try:
        for path, (title, lang) in FRAME_TITLES.items():
            async with admin.get(f"{stack.console}{path}") as page:
                found = re.search(
                    r'<code id="snippet-iframe">(.*?)</code>', await page.text(), re.S
                )
            assert found is not None, path
            snippet = html.unescape(found[1])
            assert f' title="{title}" lang="{lang}" ' in snippet, (path, snippet)
    finally:
        await admin.close()


async def test_an_internationalised_site_is_taken_written_either_way_and_kept_in_one_form(
    page: Page, stack: Stack, admin_token: str
) -> None:
    """https://jõgeva.ee and https://xn--jgeva-dua.ee are one site: kept as browsers send it."""
    await sign_in(page, stack, admin_token)
    await page.goto(f"{stack.console}/embed?network=for-in")
    sites = page.get_by_label("Sites (one a line; empty: as the network above)")
    await sites.fill("https://jõgeva.ee\nhttps://xn--jgeva-dua.ee/\nHTTPS://Pärnu.EE")
    await page.get_by_role("button", name="Save sites").click()
    listed = page.locator("section[aria-labelledby=origins-h] li")
    await expect(listed).to_have_text(
        [
            "https://xn--jgeva-dua.ee (https://jõgeva.ee)",
            "https://xn--prnu-loa.ee (https://pärnu.ee)",
        ]
    )
    # A page on that site (its browser sends the A-label form) may show the contacts.
    assert await _allowed(stack, "https://xn--jgeva-dua.ee") == "https://xn--jgeva-dua.ee"
    # The thank-you page of a newsletter on such a site is kept the same way.
    async with aiohttp.ClientSession() as http:
        made = await http.post(
            f"{stack.mailing}/v1/lists",
            json={
                "slug": "ee-uudised",
                "network": "ee",
                "lang": "et",
                "names": {"et": "Uudised"},
                "from_name": "Madis",
                "from_address": "uudised@example.ee",
                "thank_you_url": "https://Jõgeva.ee/aitäh",
            },
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert made.status == 201, await made.text()
        # ...and its path percent-encoded: the pasted form's redirect carries it as is.
        assert (await made.json())["thank_you_url"] == "https://xn--jgeva-dua.ee/ait%C3%A4h"
