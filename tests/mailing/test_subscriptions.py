"""Lists per network, the subscribe form, double opt-in and one-click unsubscribe."""

from __future__ import annotations

import re

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.forms import form_fields, subscribe_by_form
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, make_list

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_person_subscribes_confirms_and_unsubscribes(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    answer = await subscribe_by_form(mailing, "ee-uudised", "Lugeja@Example.ee")
    assert "Aitäh!" in answer
    assert len(mailing.sink.messages) == 1
    mail = mailing.sink.messages[0].summary()
    assert mail["subject"] == "Palun kinnitage tellimus: FOR-IN Eesti uudiskiri"
    assert mail["from"] == "Madis Kanarbik <uudised@example.ee>"
    assert mailing.sink.messages[0].rcpt_to == ["Lugeja@example.ee"]
    confirm = mailing.links("/confirm/")[0]

    # A link scanner GETs the link: nothing is confirmed.
    scanned = await mailing.api.get(confirm)
    assert scanned.status == 200
    assert "Kinnita tellimus" in scanned.text
    assert "<h1>Kinnitage tellimus</h1>" in scanned.text
    members = await mailing.api.as_(token).get("/v1/lists/ee-uudised/members")
    assert [m["status"] for m in members.json["items"]] == ["pending"]

    path = confirm.split("?")[0]
    confirmed = await mailing.api.post(path, data={"lang": "et"})
    assert confirmed.status == 200
    assert "tellimus on kinnitatud" in confirmed.text
    # Its heading says what happened, no longer what to do.
    assert "<h1>Tellimus on kinnitatud</h1>" in confirmed.text
    # The link clicked again (and its button pressed again) says the person is subscribed.
    clicked = await mailing.api.get(confirm)
    assert clicked.status == 200
    assert "tellimus kehtib" in clicked.text
    assert "<h1>Tellimus on kinnitatud</h1>" in clicked.text
    assert "<button" not in clicked.text
    again = await mailing.api.post(path, data={"lang": "et"})
    assert again.status == 200
    assert "tellimus kehtib" in again.text
    members = await mailing.api.as_(token).get("/v1/lists/ee-uudised/members")
    assert members.json["items"][0]["status"] == "confirmed"
    assert members.json["items"][0]["name"] == "Žydrūnė Jõemets"
    assert (await mailing.api.as_(token).get("/v1/lists/ee-uudised")).json["confirmed"] == 1
    # Used once, it confirms nothing more: once the person has left, it has expired.
    await conn.execute("UPDATE mailing.subscriptions SET status = 'unsubscribed'")
    assert (await mailing.api.post(path, data={"lang": "et"})).status == 410
    assert (await mailing.api.get(confirm)).status == 410


@pytest.mark.parametrize(
    ("lang", "thanks", "subject"),
    [
        ("lv", "Paldies! Ja uz adresi", "Lūdzu, apstipriniet FOR-IN Eesti uudiskiri abonementu"),
        ("lt", "Ačiū! Jei šiuo adresu", "Patvirtinkite FOR-IN Eesti uudiskiri prenumeratą"),
    ],
)
async def test_the_form_and_its_mail_speak_the_language_asked_for(
    mailing: Mailing, make_account: MakeAccount, lang: str, thanks: str, subject: str
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    answer = await subscribe_by_form(mailing, "ee-uudised", "lasitaja@example.lv", lang=lang)
    assert f'lang="{lang}"' in answer
    assert thanks in answer
    assert mailing.sink.messages[-1].summary()["subject"] == subject


async def test_one_click_unsubscribe_follows_rfc_8058(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    from services.mailing.compose import unsubscribe_url

    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    await subscribe_by_form(mailing, "ee-uudised", "lugeja@example.ee")
    await mailing.api.post(mailing.links("/confirm/")[0].split("?")[0], data={})
    list_row = (await mailing.api.as_(token).get("/v1/lists/ee-uudised")).json
    assert list_row["confirmed"] == 1
    # The URL a campaign carries: GET shows a page, a cookie-less POST unsubscribes, no redirect.
    from shared.settings import Settings

    url = unsubscribe_url(
        Settings.from_env({}, secret_key="secret-key-for-tests", public_mailing_url=mailing.base),
        1,
        1,
    )
    path = url.removeprefix(mailing.base)
    page = await mailing.api.get(path)
    assert page.status == 200
    assert "Loobu tellimusest" in page.text
    members = await mailing.api.as_(token).get("/v1/lists/ee-uudised/members")
    assert members.json["items"][0]["status"] == "confirmed"
    one_click = await mailing.api.post(
        path,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status == 200
    assert "Location" not in one_click.headers
    members = await mailing.api.as_(token).get("/v1/lists/ee-uudised/members")
    assert members.json["items"][0]["status"] == "unsubscribed"
    assert (await mailing.api.post(path + "x")).status == 404


async def test_answers_never_reveal_whether_an_address_is_subscribed(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    first = await subscribe_by_form(mailing, "ee-uudised", "known@example.ee")
    await mailing.api.post(mailing.links("/confirm/")[0].split("?")[0], data={})
    known = await subscribe_by_form(mailing, "ee-uudised", "known@example.ee")
    unknown = await subscribe_by_form(mailing, "ee-uudised", "stranger@example.ee")

    def strip(html: str) -> str:
        return re.sub(r'value="[^"]*"', "", html)

    assert strip(first) == strip(known) == strip(unknown)
    api_known = await mailing.api.post(
        "/v1/lists/ee-uudised/subscribe", json={"email": "known@example.ee"}
    )
    api_new = await mailing.api.post(
        "/v1/lists/ee-uudised/subscribe", json={"email": "new@example.ee"}
    )
    assert api_known.status == api_new.status == 202
    assert api_known.json == api_new.json


async def test_at_most_one_confirmation_per_address_per_window(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    for _ in range(5):
        await subscribe_by_form(mailing, "ee-uudised", "someone@example.ee")
    assert len(mailing.sink.messages) == 1


async def test_honeypot_csrf_and_bad_addresses(mailing: Mailing, make_account: MakeAccount) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    page = await mailing.api.get("/subscribe/ee-uudised?lang=lv")
    assert "Abonēt" in page.text
    fields = form_fields(page.text)
    bot = await mailing.api.post(
        "/subscribe/ee-uudised", data=fields | {"email": "bot@example.ee", "website": "http://spam"}
    )
    assert bot.status == 200
    assert mailing.sink.messages == []
    forged = await mailing.api.post(
        "/subscribe/ee-uudised", data={"email": "x@example.ee", "form_token": "forged"}
    )
    assert forged.status == 403
    cross_site = await mailing.api.post(
        "/subscribe/ee-uudised",
        data=fields | {"email": "x@example.ee"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status == 403
    bad = await mailing.api.post("/subscribe/ee-uudised", data=fields | {"email": "not-an-address"})
    assert bad.status == 422
    assert "Adresē jābūt @ zīmei, piemēram, vards@example.lv." in bad.text
    injected = await mailing.api.post(
        "/v1/lists/ee-uudised/subscribe", json={"email": "a@example.ee\r\nBcc: victim@example.org"}
    )
    assert injected.status == 422
    assert injected.problem_fields() == ["email"]
    await mailing.settle()
    assert mailing.sink.messages == []


async def test_latvian_coordinator_cannot_touch_the_estonian_list(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, ee = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    _, lv = await make_account("lv@example.lv", permissions={"lv": ("manage_lists",)})
    await make_list(mailing, ee)
    api = mailing.api.as_(lv)
    assert (await api.get("/v1/lists/ee-uudised")).status == 403
    assert (await api.get("/v1/lists/ee-uudised/members")).status == 403
    assert (await api.patch("/v1/lists/ee-uudised", json={"from_name": "X"})).status == 403
    assert (await api.post("/v1/lists", json=EE_LIST | {"slug": "other"})).status == 403
    assert (await api.get("/v1/lists")).json["items"] == []
    assert (await mailing.api.get("/v1/lists")).status == 401
    unknown = await mailing.api.as_(ee).post(
        "/v1/lists", json=EE_LIST | {"slug": "x", "network": "atlantis"}
    )
    assert unknown.status == 403  # not theirs, and unknown besides
    changed = await mailing.api.as_(ee).patch(
        "/v1/lists/ee-uudised", json={"from_name": "Anne-Ly Reimaa"}
    )
    assert changed.json["from_name"] == "Anne-Ly Reimaa"
    assert (await mailing.api.as_(ee).post("/v1/lists", json=EE_LIST)).status == 409
    bad = await mailing.api.as_(ee).post("/v1/lists", json={"slug": "Bad Slug", "network": "ee"})
    assert {"slug", "names", "from_name", "from_address"} <= set(bad.problem_fields())


async def test_admin_creates_lists_only_for_networks_the_directory_knows(
    mailing: Mailing, admin_token: str
) -> None:
    unknown = await mailing.api.as_(admin_token).post(
        "/v1/lists", json=EE_LIST | {"network": "atlantis"}
    )
    assert unknown.status == 422
    assert unknown.problem_fields() == ["network"]
    assert (await mailing.api.as_(admin_token).post("/v1/lists", json=EE_LIST)).status == 201


async def test_someone_whose_complaint_ended_a_subscription_may_subscribe_again(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    # A complaint report (ARF) ends the subscription; the person's own new, confirmed wish
    # starts it again, as for an unsubscribe (the confirmation proves it is theirs).
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    await subscribe_by_form(mailing, "ee-uudised", "kaebaja@example.ee")
    await mailing.api.post(mailing.links("/confirm/")[0].split("?")[0], data={})
    await conn.execute("UPDATE mailing.subscriptions SET status = 'complained'")
    await subscribe_by_form(mailing, "ee-uudised", "kaebaja@example.ee")
    assert len(mailing.links("/confirm/")) == 2
    await mailing.api.post(mailing.links("/confirm/")[1].split("?")[0], data={})
    members = await mailing.api.as_(token).get("/v1/lists/ee-uudised/members")
    assert [m["status"] for m in members.json["items"]] == ["confirmed"]
