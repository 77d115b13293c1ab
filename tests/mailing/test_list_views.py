"""Subscriber data only its owner changes: the person (by confirming) or the list's coordinator.

A stranger's subscribe request takes effect only when the address's owner confirms it, and
an import changes only the importing list's view of a person; campaigns greet each
reader by their list's view.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.forms import form_fields
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST

pytestmark = pytest.mark.usefixtures("demo")

LV_LIST: dict[str, Any] = {
    "slug": "lv-news",
    "network": "lv",
    "lang": "lv",
    "names": {"lv": "FOR-IN Latvijas jaunumi", "en": "FOR-IN Latvia news"},
    "from_name": "Alda Sebre",
    "from_address": "jaunumi@example.lv",
}
STRANGER = '=HYPERLINK("http://evil.example") Your account is closed, call +371 2000 0000'


async def members(mailing: Mailing, token: str, slug: str) -> dict[str, dict[str, Any]]:
    """The list's members by address."""
    reply = await mailing.api.as_(token).get(f"/v1/lists/{slug}/members")
    return {m["email"]: m for m in reply.json["items"]}


async def greeting_of(mailing: Mailing, token: str, slug: str, address: str) -> str:
    """Send a campaign that greets by name, and the text the address received."""
    api = mailing.api.as_(token)
    made = await api.post(
        f"/v1/lists/{slug}/campaigns", json={"subject": "Uudised", "body": "Tere, {name}!"}
    )
    assert made.status == 201, made.text
    mailing.sink.messages.clear()
    assert (await api.post(f"/v1/campaigns/{made.json['id']}/send")).status == 202
    await wait_done(mailing, token, made.json["id"])
    text: str = next(m for m in mailing.sink.messages if m.rcpt_to == [address]).summary()["text"]
    return text


async def subscribe_by_form(mailing: Mailing, slug: str, address: str, name: str) -> None:
    """The public form, as a person fills it in."""
    page = await mailing.api.get(f"/subscribe/{slug}")
    fields = form_fields(page.text) | {"email": address, "name": name}
    assert (await mailing.api.post(f"/subscribe/{slug}", data=fields)).status == 200
    await mailing.settle()  # the confirmation, if one is owed, leaves through the outbox


async def confirm_last(mailing: Mailing) -> str:
    """Open the latest confirmation link and press its button; the page it showed."""
    link = mailing.links("/confirm/")[-1]
    shown = await mailing.api.get(link)
    confirmed = await mailing.api.post(link.split("?")[0], data={})
    assert confirmed.status == 200
    return shown.text


async def test_a_strangers_request_never_renames_a_confirmed_reader(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    perms = ("manage_lists", "send_campaigns")
    _, lv = await make_account("lv@example.lv", permissions={"lv": perms})
    assert (await mailing.api.as_(lv).post("/v1/lists", json=LV_LIST)).status == 201
    await subscribe_by_form(mailing, "lv-news", "daina@example.lv", "Daina Mežecka")
    await confirm_last(mailing)
    mailing.sink.messages.clear()

    # A stranger asks again for her address, with their own text: 202, nothing changes.
    body = {"email": "daina@example.lv", "name": STRANGER, "lang": "en"}
    answer = await mailing.api.post("/v1/lists/lv-news/subscribe", json=body)
    assert answer.status == 202
    daina = (await members(mailing, lv, "lv-news"))["daina@example.lv"]
    assert (daina["name"], daina["lang"], daina["status"]) == ("Daina Mežecka", "lv", "confirmed")
    assert "Tere, Daina Mežecka!" in await greeting_of(mailing, lv, "lv-news", "daina@example.lv")


async def test_a_request_takes_effect_only_when_its_owner_confirms(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, lv = await make_account("lv@example.lv", permissions={"lv": ("manage_lists",)})
    assert (await mailing.api.as_(lv).post("/v1/lists", json=LV_LIST)).status == 201
    await subscribe_by_form(mailing, "lv-news", "daina@example.lv", "Daina Mežecka")
    await confirm_last(mailing)
    # She leaves the list (set-up straight in the table: not the path under test).
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'unsubscribed' WHERE status = 'confirmed'"
    )
    # Someone asks to subscribe her again under another name and language: a confirmation
    # mail goes to her, and until she confirms, what the list keeps stays hers.
    body = {"email": "daina@example.lv", "name": "Daina M.", "lang": "en"}
    assert (await mailing.api.post("/v1/lists/lv-news/subscribe", json=body)).status == 202
    await mailing.settle()  # the confirmation leaves through the outbox
    daina = (await members(mailing, lv, "lv-news"))["daina@example.lv"]
    assert (daina["name"], daina["lang"], daina["status"]) == ("Daina Mežecka", "lv", "pending")
    page = await confirm_last(mailing)
    assert "“Daina M.”" in page  # she sees the name she confirms
    daina = (await members(mailing, lv, "lv-news"))["daina@example.lv"]
    assert (daina["name"], daina["lang"], daina["status"]) == ("Daina M.", "en", "confirmed")


async def test_an_import_changes_only_its_own_lists_view(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    perms = ("manage_lists", "send_campaigns")
    _, ee = await make_account("ee@example.ee", permissions={"ee": perms})
    _, lv = await make_account("lv@example.lv", permissions={"lv": perms})
    assert (await mailing.api.as_(ee).post("/v1/lists", json=EE_LIST)).status == 201
    assert (await mailing.api.as_(lv).post("/v1/lists", json=LV_LIST)).status == 201

    async def imported(token: str, slug: str, name: str) -> None:
        reply = await mailing.api.as_(token).post(
            f"/v1/lists/{slug}/import?consent=signed+up+at+the+info+day",
            data=f"email,name\r\nvida@example.lt,{name}\r\n".encode(),
            headers={"Content-Type": "text/csv"},
        )
        assert reply.status == 200, reply.text
        assert not reply.json["rejected"]

    await imported(ee, "ee-uudised", "Vida Gintautaitė")
    await imported(lv, "lv-news", "V. Gintautaite (LV)")
    assert (await members(mailing, ee, "ee-uudised"))["vida@example.lt"]["name"] == (
        "Vida Gintautaitė"
    )
    assert (await members(mailing, lv, "lv-news"))["vida@example.lt"]["name"] == (
        "V. Gintautaite (LV)"
    )
    # The Estonian coordinator corrects their own list's view; the Latvian one keeps its own.
    await imported(ee, "ee-uudised", "Vida Gintautaitė-Kisevičienė")
    assert (await members(mailing, lv, "lv-news"))["vida@example.lt"]["name"] == (
        "V. Gintautaite (LV)"
    )
    ee_mail = await greeting_of(mailing, ee, "ee-uudised", "vida@example.lt")
    assert "Tere, Vida Gintautaitė-Kisevičienė!" in ee_mail
    lv_mail = await greeting_of(mailing, lv, "lv-news", "vida@example.lt")
    assert "Tere, V. Gintautaite (LV)!" in lv_mail
