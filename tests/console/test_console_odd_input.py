"""Every console page that asks a service answers odd paths and queries with a page, never a 500."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.support.sessions import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

# Control characters, a NUL, a lone surrogate's bytes, an overlong id and markup.
ODD = ("\x01", "\x00", "%ED%A0%80", "9" * 30, "<b>x</b>", "a" * 400)
PATHS = (
    "/contacts/{v}",
    "/contacts/{v}/delete",
    "/organisations/{v}",
    "/lists/{v}",
    "/lists/{v}/export.csv",
    "/lists/ee-uudised/members/{v}",
    "/suppressions/{v}",
    "/campaigns/{v}",
    "/campaigns/{v}/preview",
)
QUERIES = (
    "/contacts?network={v}&q={v}&member={v}&deleted={v}&restored={v}",
    "/organisations?q={v}&network={v}",
    "/lists?network={v}",
    "/lists/ee-uudised?q={v}&status={v}&after={v}&m={v}",
    "/suppressions?q={v}&reason={v}&after={v}&m={v}",
    "/embed?network={v}&member={v}&lang={v}&list={v}",
    "/tokens?x={v}",
    "/accounts?q={v}",
)


async def test_odd_ids_and_queries_get_a_page_in_the_coordinators_language(
    stack: Stack, coordinator: str
) -> None:
    client = await signed_in(stack, coordinator, lang="lv")
    try:
        async with client.get(f"{stack.console}/lists") as page:
            found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert found is not None
        form = {"csrf": found.group(1), "slug": "ee-uudised", "network": "ee", "lang": "et"}
        form |= {"name": "Uudised", "from_name": "Madis", "from_address": "uudised@example.ee"}
        async with client.post(f"{stack.console}/lists", data=form, allow_redirects=False) as made:
            assert made.status in (200, 303), await made.text()
        failures = []
        for template in PATHS + QUERIES:
            for value in ODD:
                raw = value if value.startswith("%") else quote(value, safe="")
                url = stack.console + template.replace("{v}", raw)
                async with client.get(url, allow_redirects=False) as answer:
                    body = await answer.text(errors="replace")
                    shown = answer.content_type == "text/html" and 'lang="lv"' in body
                    # A route that does not match is the web server's 404; any other refusal
                    # is the service's message, in Latvian, on the console's own page.
                    if (
                        answer.status >= 500
                        or (answer.content_type == "text/html" and "<b>x</b>" in body)
                        or (answer.status >= 400 and answer.status != 404 and not shown)
                    ):
                        failures.append((template, value, answer.status))
        assert failures == [], failures
    finally:
        await client.close()


# Digits `str.isdigit` admits and `int()` refuses ("²"), reads ("٣"), or cannot hold (5,000).
ODD_NUMBERS = ("²", "٣", "9" * 5000)


async def test_odd_numbers_in_forms_and_paths_get_a_page(stack: Stack, coordinator: str) -> None:
    client = await signed_in(stack, coordinator, lang="lv")
    try:
        async with client.get(f"{stack.console}/contacts?network=ee") as page:
            listing = await page.text()
        found = re.search(r'name="csrf" value="([^"]+)"', listing)
        contact = re.search(r'href="/contacts/(\d+)"', listing)
        assert found is not None
        assert contact is not None
        csrf, contact_id = found.group(1), contact.group(1)
        failures = []
        for value in ODD_NUMBERS:
            posts = {
                f"/contacts/{contact_id}": {"revision": value, "family_name": "Tamm"},
                f"/contacts/{contact_id}/move": {"network": "ee", "before": value},
                f"/contacts/{contact_id}/move#after": {"network": "ee", "after": value},
                "/organisations/no-such-org": {"revision": value},
                "/lists/no-such-list/look": {"revision": value},
            }
            for path, form in posts.items():
                url = stack.console + path.partition("#")[0]
                data = {"csrf": csrf} | form
                async with client.post(url, data=data, allow_redirects=False) as answer:
                    if answer.status >= 500:
                        failures.append((path, value[:9], answer.status))
            for template in ("/campaigns/{v}", "/campaigns/{v}/preview", "/contacts/{v}"):
                url = stack.console + template.replace("{v}", quote(value, safe=""))
                async with client.get(url, allow_redirects=False) as answer:
                    if answer.status >= 500:
                        failures.append((template, value[:9], answer.status))
        assert failures == [], failures
    finally:
        await client.close()
