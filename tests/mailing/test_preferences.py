"""The subscriber's page from a campaign footer: lists, leaving one, export, erasure."""

from __future__ import annotations

import re

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.mailing.conftest import Mailing
from tests.mailing.test_campaigns import people, tokens, wait_done
from tests.mailing.test_subscriptions import EE_LIST

pytestmark = pytest.mark.usefixtures("demo")


async def test_preferences_page_manages_exports_and_erases(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await mailing.api.as_(editor).post(
        "/v1/lists", json=EE_LIST | {"slug": "ee-teabepaevad", "names": {"et": "Teabepäevad"}}
    )
    await people(conn, "ee-uudised", [("mari@example.ee", "Mari Jõemets", "confirmed")])
    subscriber = await conn.fetchval(
        "SELECT id FROM mailing.subscribers WHERE email = 'mari@example.ee'"
    )
    other_list = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-teabepaevad'")
    await conn.execute(
        "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
        "VALUES ($1, $2, 'confirmed', 'et')",
        other_list,
        subscriber,
    )
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    await wait_done(mailing, sender, campaign)
    text = mailing.sink.messages[0].summary()["text"]
    assert "Halda oma tellimusi:" in text
    path = re.search(r"https?://[^/\s]+(/preferences/\S+)", text)
    assert path is not None
    page = await mailing.api.get(path.group(1) + "?lang=et")
    assert page.status == 200
    assert "FOR-IN Eesti uudiskiri: tellitud" in page.text
    assert "Teabepäevad: tellitud" in page.text
    left = await mailing.api.post(
        path.group(1) + "/unsubscribe", data={"list": "ee-teabepaevad", "lang": "et"}
    )
    assert "Teabepäevad: tellimusest loobutud" in left.text
    export = await mailing.api.get(path.group(1) + "/export.json")
    data = export.json
    assert data["email"] == "mari@example.ee"
    assert {s["name"] for s in data["subscriptions"]} == {"Mari Jõemets"}
    assert {s["list"]: s["status"] for s in data["subscriptions"]} == {
        "ee-uudised": "confirmed",
        "ee-teabepaevad": "unsubscribed",
    }
    assert data["deliveries"][0]["status"] == "sent"
    erased = await mailing.api.post(path.group(1) + "/erase", data={"lang": "et"})
    assert "Sinu andmed on kustutatud." in erased.text
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM mailing.subscribers WHERE email = 'mari@example.ee'"
        )
        == 0
    )
    assert await conn.fetchval("SELECT count(*) FROM mailing.deliveries") == 0
    assert (await mailing.api.get(path.group(1))).status == 404
    assert (await mailing.api.get("/preferences/forged.token")).status == 404
