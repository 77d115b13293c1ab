"""The newsletter as sent: our layout in the list's colours, a readable text part, and the
preview that is the same message."""

from __future__ import annotations

import re

import asyncpg
import pytest

from services.mailing.compose import colours
from tests.conftest import MakeAccount
from tests.support.campaigns import BODY, LONG, same_but_tokens, wait_done
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, people, tokens

pytestmark = pytest.mark.usefixtures("demo")


async def test_list_colour_and_logo_are_checked_and_kept(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    bad = await api.post(
        "/v1/lists", json=EE_LIST | {"colour": "red;x:y", "logo_url": "javascript:alert(1)"}
    )
    assert bad.status == 422
    assert sorted(bad.problem_fields()) == ["colour", "logo_url"]
    made = await api.post(
        "/v1/lists",
        json=EE_LIST | {"colour": "#0B6E4F", "logo_url": "https://for-in.example/logo.png"},
    )
    assert made.status == 201, made.text
    assert made.json["colour"] == "#0b6e4f"
    changed = await api.patch("/v1/lists/ee-uudised", json={"colour": None, "logo_url": None})
    assert changed.status == 200
    assert changed.json["colour"] is None
    assert changed.json["logo_url"] is None


def test_band_text_and_links_keep_their_contrast() -> None:
    assert colours("#ffd500") == {"colour": "#ffd500", "ink": "#1b1f24", "link": "#0b4f8a"}
    assert colours("#0b6e4f") == {"colour": "#0b6e4f", "ink": "#ffffff", "link": "#0b6e4f"}
    assert colours(None)["colour"] == "#0b4f8a"


async def test_the_sent_newsletter_is_the_preview_styled_inline_with_a_readable_text_part(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post(
        "/v1/lists",
        json=EE_LIST | {"colour": "#0b6e4f", "logo_url": "https://for-in.example/logo.png"},
    )
    await people(conn, "ee-uudised", [("ieva@example.lv", "Ieva", "confirmed")])
    created = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Detsember", "body": BODY}
    )
    campaign = created.json["id"]
    preview = (
        await mailing.api.as_(editor).get(f"/v1/campaigns/{campaign}/preview?name=Ieva")
    ).json
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")).status == 202
    await wait_done(mailing, sender, campaign)
    (message,) = mailing.sink.messages
    parsed = message.parsed()
    html_part, text_part = (parsed.get_body((kind,)) for kind in ("html", "plain"))
    assert html_part is not None
    assert text_part is not None
    html, text = html_part.get_content(), text_part.get_content().replace("\r\n", "\n")

    # The preview is the message: same builder, same parts, only the link tokens differ.
    assert same_but_tokens(preview["html"]) == same_but_tokens(html)
    assert same_but_tokens(preview["text"]).replace("\r\n", "\n") == same_but_tokens(text)
    assert preview["subject"] == parsed["Subject"] == "Detsember"

    # Styled inline (mail clients drop <style>), in the list's colour, with its logo.
    assert re.search(r'<td class="band" style="[^"]*background: ?#0b6e4f', html)
    assert re.search(r'<td class="content" style="[^"]*font-size', html)
    assert '<img src="https://for-in.example/logo.png" alt="FOR-IN Eesti uudiskiri"' in html
    assert re.search(r"<h1[^>]*>Tere, Ieva!</h1>", html)
    # Unsubscribe and preferences are links with words, not raw URLs that push the width.
    unsubscribe = re.search(r'<a href="([^"]+/unsubscribe/[^"]+)"[^>]*>([^<]+)</a>', html)
    assert unsubscribe
    assert unsubscribe.group(2) == "Loobu tellimusest"
    manage = re.search(r'<a href="([^"]+/preferences/[^"]+)"[^>]*>([^<]+)</a>', html)
    assert manage
    assert manage.group(2) == "Halda oma tellimusi"
    assert not re.search(r">https?://[^<]{60,}<", html)

    # The text part: no Markdown syntax, each link once as a numbered footnote.
    assert "](" not in text
    assert "**" not in text
    assert text.startswith("Tere, Ieva!\n===========")
    assert "Detsembri uudised: kogukonnad ja lõimumine [1] ning https://for-in.example." in text
    assert "- Rīga: kohtumine [2]\n- Vilnius: seminar [1]" in text
    assert f"Lingid:\n[1] {LONG}\n[2] https://for-in.example/riga" in text
    assert "> Kisevičienė: „Tere tulemast!”" in text
    assert re.search(r"\nHallake oma tellimusi: http://\S+/preferences/\S+", text)
