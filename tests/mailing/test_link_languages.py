"""A subscriber's link that no longer works (forged, expired, ended, erased) answers in the
reader's language: the link's own `?lang=`, else the browser's Accept-Language."""

from __future__ import annotations

import re

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, people, tokens

pytestmark = pytest.mark.usefixtures("demo")

BAD_LINKS = ["/preferences/forged.token", "/unsubscribe/forged.token", "/manage/forged-key"]
ENGLISH = "This link has expired"


async def test_a_dead_link_answers_in_the_browsers_language(mailing: Mailing) -> None:
    for path in [*BAD_LINKS, "/confirm/forged.token", "/manage/forged-key/export.json"]:
        for accept, lang in [("lv-LV,lv;q=0.9", "lv"), ("lt", "lt"), ("et-EE", "et")]:
            page = await mailing.api.get(path, headers={"Accept-Language": accept})
            assert page.status == 404, path
            assert f'<html lang="{lang}"' in page.text, (path, accept)
            assert ENGLISH not in page.text, (path, accept)
            assert page.headers["Content-Language"] == lang
        english = await mailing.api.get(path, headers={"Accept-Language": "en-GB"})
        assert ENGLISH in english.text
        # The link's own language wins over the browser's.
        asked = await mailing.api.get(f"{path}?lang=et", headers={"Accept-Language": "lv"})
        assert '<html lang="et"' in asked.text


async def test_a_newsletters_links_carry_the_readers_language(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await people(conn, "ee-uudised", [("mari@example.ee", "Mari", "confirmed")])
    made = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
    )
    await mailing.api.as_(sender).post(f"/v1/campaigns/{made.json['id']}/send")
    await wait_done(mailing, sender, made.json["id"])
    (message,) = mailing.sink.messages
    summary = message.summary()
    links = re.findall(r"https?://[^/\s]+(/(?:preferences|unsubscribe)/\S+)", summary["text"])
    assert len(links) == 2
    for link in links:
        assert link.endswith("?lang=et"), link
    # Erased, the person's links still answer in their language, whatever the browser says.
    await conn.execute("DELETE FROM mailing.subscribers WHERE email = 'mari@example.ee'")
    for link in links:
        page = await mailing.api.get(link, headers={"Accept-Language": "lv"})
        assert page.status == 404
        assert '<html lang="et"' in page.text
    assert "?lang=et>" in message.parsed()["List-Unsubscribe"]
