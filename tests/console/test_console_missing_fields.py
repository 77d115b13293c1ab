"""Pages over API answers whose optional fields are absent, and forms posted without a field:
a page or a 422 naming the field, never a 500 (the templates are strict: a missing attribute
fails loudly), and never a save that skips the stale-edit check."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import aiohttp
import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.newsletters import people
from tests.support.sessions import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

LIST = {
    "slug": "ee-olekud",
    "network": "ee",
    "lang": "et",
    "names": {"et": "FOR-IN olekud"},
    "from_name": "Madis Kanarbik",
    "from_address": "uudised@example.ee",
}
# Each state as the mailing service leaves it: a pending wish (asked, never confirmed), one
# unsubscribed or blocked while still pending, a confirmed double opt-in, an import, a bounce.
ASKED = (
    "jsonb_build_object('source', 'double-opt-in', 'requested_via', 'form',"
    " 'requested_at', now(), 'requested_from', '192.0.2.7')"
)
STATES = {
    "ootel@example.ee": ("pending", ASKED),
    "loobus@example.ee": ("unsubscribed", ASKED),
    "keelatud@example.ee": ("blocked", ASKED),
    "kinnitas@example.ee": (
        "confirmed",
        f"{ASKED} || jsonb_build_object('confirmed_at', now(), 'confirmed_from', '192.0.2.8')",
    ),
    "imporditud@example.ee": ("confirmed", "jsonb_build_object('source', 'import')"),
    "tagasi@example.ee": ("bounced", "NULL"),
}


class Forms(HTMLParser):
    """Each POST form of a page: its action and its fields' names and values, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form" and found.get("method") == "post" and "enctype" not in found:
            self.forms.append((found.get("action", ""), []))
            self._open = True
        elif tag in ("input", "textarea", "select") and self._open and found.get("name"):
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            self.forms[-1][1].append((found["name"], found.get("value", "")))
        elif tag == "button" and self._open and found.get("name"):
            self.forms[-1][1].append((found["name"], found.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


async def _members(conn: asyncpg.Connection) -> dict[str, int]:
    await people(conn, "ee-olekud", [(a, "Mari Maasikas", s) for a, (s, _) in STATES.items()])
    for address, (_, consent) in STATES.items():
        await conn.execute(
            f"UPDATE mailing.subscriptions s SET consent = {consent} FROM mailing.subscribers b"
            " WHERE b.id = s.subscriber_id AND b.email = $1",
            address,
        )
    # A bounce's suppression as a report may leave it: no status, no diagnostic.
    await conn.execute(
        "INSERT INTO mailing.suppressions (address, reason, evidence)"
        " VALUES ('tagasi@example.ee', 'hard-bounce', '{}')"
    )
    rows = await conn.fetch("SELECT email, id FROM mailing.subscribers")
    return {r["email"]: r["id"] for r in rows}


async def test_every_member_states_page_opens_and_every_form_without_a_field_is_no_500(
    stack: Stack, coordinator: str, conn: asyncpg.Connection, make_account: MakeAccount
) -> None:
    api = {"Authorization": f"Bearer {coordinator}"}
    async with (
        aiohttp.ClientSession(headers=api) as http,
        http.post(f"{stack.mailing}/v1/lists", json=LIST) as created,
    ):
        assert created.status == 201
    ids = await _members(conn)
    client = await signed_in(stack, coordinator)
    try:
        pages = [f"/lists/{LIST['slug']}"]
        for address in STATES:
            page = f"/lists/{LIST['slug']}/members/{ids[address]}"
            async with client.get(f"{stack.console}{page}") as opened:
                shown = await opened.text()
                assert opened.status == 200, (address, shown[:2000])
                assert address in shown
            pages.append(page)
        contact = (await conn.fetchval("SELECT min(id) FROM directory.contacts")) or 0
        async with client.post(
            f"{stack.mailing}/v1/lists/{LIST['slug']}/campaigns",
            json={"subject": "Uudised", "body": "Tere!"},
            headers={"Authorization": f"Bearer {coordinator}"},
        ) as made:
            campaign = (await made.json())["id"]
        organisation = await conn.fetchval("SELECT min(slug) FROM directory.organisations")
        pages += [
            f"/contacts/{contact}",
            f"/contacts/{contact}/delete",
            "/contacts/new?network=ee",
            "/contacts?network=ee",
            "/lists",
            f"/campaigns/{campaign}",
            "/organisations",
            f"/organisations/{organisation}",
            "/embed?network=ee",
            f"/embed?network=ee&list={LIST['slug']}",
            "/tokens",
        ]
        tried: set[str] = set()
        await _post_each_without_each_field(client, stack, pages, tried)
        # The admin's own forms: accounts, grants, tokens, the suppression list, the sites.
        _, admin_token = await make_account("admin@example.org", admin=True)
        admin = await signed_in(stack, admin_token)
        try:
            admin_pages = ["/accounts", "/suppressions", "/embed?network=for-in"]
            await _post_each_without_each_field(admin, stack, admin_pages, tried)
        finally:
            await admin.close()
        # Every kind of form those pages hold was tried (the parser found them).
        assert len(tried) >= 20, sorted(tried)
        # A revision that is no number is refused, not sent as null (which skipped the check).
        async with client.get(f"{stack.console}/lists/{LIST['slug']}") as opened:
            page_text = await opened.text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page_text)
        assert csrf is not None
        look = {"csrf": csrf[1], "colour": "#aa0000", "logo_url": "", "revision": "abc"}
        async with client.post(f"{stack.console}/lists/{LIST['slug']}/look", data=look) as sent:
            assert sent.status == 422
            assert "revision" in await sent.text()
        colour = await conn.fetchval(
            "SELECT colour FROM mailing.lists WHERE slug = $1", LIST["slug"]
        )
        assert colour != "#aa0000"
    finally:
        await client.close()


async def _post_each_without_each_field(
    client: aiohttp.ClientSession, stack: Stack, pages: list[str], tried: set[str]
) -> None:
    """Every POST form of `pages`, posted once without each of its fields: never a 500."""
    for page in pages:
        async with client.get(f"{stack.console}{page}") as opened:
            parser = Forms()
            parser.feed(await opened.text())
        for action, fields in parser.forms:
            if action == "/signout" or "/revoke" in action:
                continue  # they end this session: the forms after them would not be tried
            for left_out in {name for name, _ in fields} - {"csrf"}:
                kept = [(n, v) for n, v in fields if n != left_out]
                tried.add(re.sub(r"\d+", "N", action.split("?")[0]))
                async with client.post(f"{stack.console}{action}", data=kept) as answered:
                    said = await answered.text()
                    assert answered.status < 500, (page, action, left_out, said[:2000])
                    if answered.status == 422 and "came without" in said:
                        assert f"'{left_out}'" in said or f"&#39;{left_out}&#39;" in said
