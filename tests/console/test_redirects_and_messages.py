"""Redirects go only to our own pages, and no page shows text from its query as a message.

The `Location`s are resolved by Chromium, as a browser following them would; the query
parameters tried are every one the services' page code reads, found in the source.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser

from tests.conftest import MakeAccount
from tests.support.newsletters import EE_LIST
from tests.support.sessions import hidden, signed_in_with_csrf
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

ROOT = Path(__file__).resolve().parents[2]
# What people have used to turn a "local" redirect into one to another site.
VECTORS = [
    "/\t/evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "//evil.example",
    "///evil.example",
    " //evil.example",
    "/\r\n/evil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%5C/evil.example",
    "/%09/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
]
MARKER = "Xq7echo"


async def test_redirects_go_only_to_our_own_pages(
    stack: Stack, coordinator: str, browser: Browser
) -> None:
    http, csrf = await signed_in_with_csrf(stack, coordinator)
    async with http.get(f"{stack.directory}/v1/networks/ee/contacts") as r:
        contact = (await r.json())["items"][0]["id"]
    page = await browser.new_page()
    stranger = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        for vector in VECTORS:
            posts = [
                ("/signin", {"token": coordinator, "lang": "en", "next": vector}),
                ("/language", {"lang": "et", "next": vector, "csrf": csrf}),
                (
                    f"/contacts/{contact}/published",
                    {"back": vector, "csrf": csrf, "published": "true"},
                ),
                (f"/contacts/{contact}/move", {"back": vector, "csrf": csrf, "network": "ee"}),
            ]
            for path, form in posts:
                # Signing in again starts another session (another cookie and CSRF token):
                # from a browser of its own, so this one's session stays as it is.
                client = stranger if path == "/signin" else http
                async with client.post(
                    f"{stack.console}{path}", data=form, allow_redirects=False
                ) as answer:
                    assert answer.status == 303, (path, vector, answer.status)
                    location = answer.headers["Location"]
                resolved = await page.evaluate(
                    "([to, base]) => new URL(to, base).href", [location, stack.console + path]
                )
                assert resolved.startswith(stack.console + "/"), (path, vector, location)
            async with http.get(f"{stack.console}/signin", params={"next": vector}) as answer:
                kept = hidden(await answer.text(), "next")
            assert kept == "/contacts", (vector, kept)
    finally:
        await page.close()
        await stranger.close()
        await http.close()


def query_keys(*modules: str) -> set[str]:
    """Every query parameter the given modules read (`request.query.get("x")`, `…["x"]`)."""
    keys = set()
    for module in modules:
        for path in ROOT.glob(module):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                target: Any = None
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr == "get" and node.args:
                        target, key = node.func.value, node.args[0]
                elif isinstance(node, ast.Subscript):
                    target, key = node.value, node.slice
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "query"
                    and isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                ):
                    keys.add(key.value)
    return keys


class Text(HTMLParser):
    """The text a person reads on a page (attribute values, such as a search box's, aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        """Keep text."""
        self.parts.append(data)


async def test_no_page_shows_its_query_as_a_message(
    stack: Stack, coordinator: str, make_account: MakeAccount
) -> None:
    """Every page of the console, the directory and the mailing service, every query key set."""
    # Recursive: the handlers live in each service's routes/ package.
    keys = query_keys(
        "services/console/**/*.py", "services/directory/**/*.py", "services/mailing/**/*.py"
    )
    assert {"m", "next", "q"} <= keys
    query = dict.fromkeys(keys | {"e", "error", "message", "text", "msg"}, MARKER)
    http, _ = await signed_in_with_csrf(stack, coordinator)
    async with http.post(
        f"{stack.mailing}/v1/lists",
        json=EE_LIST,
        headers={"Authorization": f"Bearer {coordinator}"},
    ) as r:
        assert r.status == 201
    async with http.post(
        f"{stack.mailing}/v1/lists/ee-uudised/campaigns",
        json={"subject": "Uudised", "body": "Tere!"},
        headers={"Authorization": f"Bearer {coordinator}"},
    ) as r:
        campaign = (await r.json())["id"]
    async with http.get(f"{stack.directory}/v1/networks/ee/contacts") as r:
        contact = (await r.json())["items"][0]["id"]
    async with http.post(
        f"{stack.mailing}/v1/lists/ee-uudised/import?consent=paper",
        data=b"email\r\nlugeja@example.ee\r\n",
        headers={"Authorization": f"Bearer {coordinator}", "Content-Type": "text/csv"},
    ) as r:
        assert (await r.json())["created"] == 1
    async with http.get(
        f"{stack.mailing}/v1/lists/ee-uudised/members",
        headers={"Authorization": f"Bearer {coordinator}"},
    ) as r:
        member = (await r.json())["items"][0]["id"]
    # A refusal is shown on the page that answers the form, not carried in a link.
    async with http.get(f"{stack.console}/campaigns/{campaign}") as r:
        csrf = hidden(await r.text(), "csrf")
    async with http.post(
        f"{stack.console}/campaigns/{campaign}",
        data={"action": "schedule", "at": "not a time", "csrf": csrf},
        allow_redirects=False,
    ) as refused:
        assert refused.status == 422
        # The reason, in a person's words (no API field name as a prefix, as in 'at: ...').
        alert = re.search(r'role="alert">([^<]+)<', await refused.text())
        assert alert is not None
        assert MARKER not in alert.group(1)
        assert not re.match(r"\s*at\s*:", alert.group(1))
    pages = [
        *(
            f"{stack.console}{p}"
            for p in (
                "/accounts",
                "/signin",
                "/signin/link",
                "/contacts",
                "/contacts/new",
                f"/contacts/{contact}",
                "/contacts/import",
                "/embed",
                "/lists",
                "/lists/ee-uudised",
                f"/campaigns/{campaign}",
                f"/campaigns/{campaign}/preview",
                f"/lists/ee-uudised/members/{member}",
                "/suppressions",
                "/suppressions/lugeja@example.ee",
            )
        ),
        f"{stack.directory}/embed/ee",
        f"{stack.directory}/fragment/ee",
        f"{stack.directory}/reveal/{contact}",
        f"{stack.mailing}/subscribe/ee-uudised",
        f"{stack.mailing}/confirm/{MARKER}",
        f"{stack.mailing}/unsubscribe/{MARKER}",
        f"{stack.mailing}/preferences/{MARKER}",
    ]
    try:
        for url in pages:
            async with http.get(url, params=query) as answer:
                assert answer.status < 500, url
                if answer.content_type != "text/html":
                    continue
                reader = Text()
                reader.feed(await answer.text())
            shown = [t for t in reader.parts if MARKER in t]
            assert not shown, (url, shown)
    finally:
        await http.close()
