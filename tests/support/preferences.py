"""A subscriber's preferences links, as the mail carries them, and the lists' states."""

from __future__ import annotations

import re

import asyncpg

from services.mailing.links import preferences_url
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, people, tokens
from tests.support.observe import drained


async def manage_link(mailing: Mailing, entry: str) -> str:
    """Ask on a newsletter link's page for the whole page; the /manage/ path mailed for it."""
    before = len(mailing.links("/manage/"))
    asked = await mailing.api.post(entry + "/link", data={})
    assert asked.status == 200
    await drained(mailing.settings.database_url or "", "mailing.outbox")  # the outbox mails it
    found = mailing.links("/manage/")
    assert len(found) == before + 1, "no link was mailed"
    path, _, query = found[-1].partition("?")
    assert query.startswith("lang=")  # the page opens in the language it was asked in
    return path


async def owner_link(mailing: Mailing, conn: asyncpg.Connection, email: str, slug: str) -> str:
    """The /manage/ path that `email` gets by asking from a newsletter of list `slug`."""
    subscriber = await conn.fetchval("SELECT id FROM mailing.subscribers WHERE email = $1", email)
    list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = $1", slug)
    entry = preferences_url(mailing.settings, list_id, subscriber).removeprefix(mailing.base)
    return await manage_link(mailing, entry)


async def newsletter_link(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> str:
    """Mari on two lists, a campaign from the first, and the preferences link it carried."""
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await mailing.api.as_(editor).post(
        "/v1/lists", json=EE_LIST | {"slug": "ee-teabepaevad", "names": {"et": "Teabepäevad"}}
    )
    await people(conn, "ee-uudised", [("mari@example.ee", "Mari Jõemets", "confirmed")])
    await conn.execute(
        "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
        "SELECT l.id, b.id, 'confirmed', 'et' FROM mailing.lists l, mailing.subscribers b "
        "WHERE l.slug = 'ee-teabepaevad' AND b.email = 'mari@example.ee'"
    )
    made = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
    )
    await mailing.api.as_(sender).post(f"/v1/campaigns/{made.json['id']}/send")
    await wait_done(mailing, sender, made.json["id"])
    text = mailing.sink.messages[0].summary()["text"]
    assert "Hallake oma tellimusi:" in text
    found = re.search(r"https?://[^/\s]+(/preferences/\S+)", text)
    assert found is not None
    # The link carries the reader's language (a page that cannot find them still speaks it).
    path, _, query = found.group(1).partition("?")
    assert query == "lang=et"
    mailing.sink.messages.clear()
    return path


async def states(conn: asyncpg.Connection) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT l.slug, s.status FROM mailing.subscriptions s "
        "JOIN mailing.lists l ON l.id = s.list_id"
    )
    return {r["slug"]: r["status"] for r in rows}
