"""One name rule wherever a person's name enters the mailing service: the API, the hosted and
pasted forms, the subscriber import, a campaign's test reader (shared.validate.person_name)."""

from __future__ import annotations

import html
from urllib.parse import quote

import asyncpg
import pytest

from shared.signing import Keys
from tests.conftest import MakeAccount
from tests.support.api import Reply
from tests.support.forms import form_fields, form_token
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, make_list, tokens

pytestmark = pytest.mark.usefixtures("demo")

# What a name may not hold, each hidden in a name that otherwise reads well.
REFUSED = {
    "bell": "Anna\x07 Kisevičienė",
    "right-to-left override": "Anna \u202eKisevičienė",
    "left-to-right mark": "Anna\u200e Kisevičienė",
    "right-to-left mark": "Anna \u200fKisevičienė",
    "isolates": "Anna \u2066Kisevičienė\u2069",
    "first strong isolate": "Anna \u2068Kisevičienė\u2069",
    "C1 control": "Anna\x9b Kisevičienė",
    "delete": "Anna\x7f Kisevičienė",
    "line break": "Anna\nKisevičienė",
    "zero-width space": "Anna\u200b Kisevičienė",
}
# Names as people write them: diacritics, and the joiners a name can need (ZWNJ in Persian,
# ZWJ in an emoji sequence); a no-break space is a space.
KEPT = {
    "kise@example.lt": ("Ona Kisevičienė", "Ona Kisevičienė"),
    "daina@example.lv": ("Daina Mežecka", "Daina Mežecka"),
    "madis@example.ee": ("Madis  Jõemets", "Madis Jõemets"),
    "fatemeh@example.ee": ("فاطمه\u200cزهرا", "فاطمه\u200cزهرا"),
    "coder@example.ee": ("Mari \U0001f469\u200d\U0001f4bb", "Mari \U0001f469\u200d\U0001f4bb"),
    "nbsp@example.ee": ("Ieva\u00a0Raubiško", "Ieva Raubiško"),
}
SAID = {
    "en": "A name cannot contain control characters, line breaks or invisible characters such "
    "as text-direction marks. We took them out: check the name and send the form again.",
    "et": "Nimi ei tohi sisaldada juhtmärke, reavahetusi ega nähtamatuid märke, näiteks teksti "
    "suuna märke. Võtsime need välja: kontrollige nime ja saatke vorm uuesti.",
    "lt": "Varde negali būti valdymo simbolių, eilučių lūžių ar nematomų simbolių, pavyzdžiui, "
    "teksto krypties ženklų. Juos pašalinome: patikrinkite vardą ir vėl išsiųskite formą.",
}
FIELD_SAID = {
    "en": "must not contain control characters, line breaks or invisible characters such as "
    "text-direction marks",
    "lv": "nedrīkst saturēt vadības rakstzīmes, rindu pārtraukumus vai neredzamas rakstzīmes, "
    "piemēram, teksta virziena zīmes",
}


async def names(conn: asyncpg.Connection) -> dict[str, str]:
    """Each subscriber's stored name by address."""
    rows = await conn.fetch("SELECT email, name FROM mailing.subscribers")
    return {r["email"]: r["name"] for r in rows}


async def test_the_api_refuses_a_name_with_any_of_them_and_keeps_names_as_written(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    for what, name in REFUSED.items():
        refused = await mailing.api.post(
            "/v1/lists/ee-uudised/subscribe",
            json={"email": "anna@example.lt", "name": name},
            headers={"Accept-Language": "lv"},
        )
        assert refused.status == 422, what
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert refused.json["errors"] == [{"field": "name", "message": FIELD_SAID["lv"]}], what
    # JSON may escape a lone surrogate; it is no character, and is refused naming the field.
    surrogate = await mailing.api.post(
        "/v1/lists/ee-uudised/subscribe",
        data=b'{"email": "anna@example.lt", "name": "Anna \\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert surrogate.status == 422, surrogate.text
    assert [e["field"] for e in surrogate.json["errors"]] == ["name"]
    assert await names(conn) == {}
    for email, (name, _) in KEPT.items():
        taken = await mailing.api.post(
            "/v1/lists/ee-uudised/subscribe", json={"email": email, "name": name}
        )
        assert taken.status == 202, (name, taken.text)
    assert await names(conn) == {email: stored for email, (_, stored) in KEPT.items()}


def name_error(page: Reply) -> str:
    """The error beside the form's name field, and checks that it is there and announced."""
    text = page.text
    field = text.index('<input id="name"')
    said = text.index('<p class="error" id="name-error" role="alert">')
    assert field < said < text.index('id="website"')  # beside the field, before the honeypot
    tag = text[field : text.index(">", field)]
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="name-error"' in tag
    return html.unescape(text[said : text.index("</p>", said)].split(">", 1)[1])


async def test_the_hosted_form_asks_again_with_the_name_cleaned_and_why_beside_it(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    for lang, name in (("et", REFUSED["right-to-left override"]), ("lt", REFUSED["bell"])):
        page = await mailing.api.get(f"/subscribe/ee-uudised?lang={lang}")
        sent = form_fields(page.text) | {"email": f"anna.{lang}@example.lt", "name": name}
        again = await mailing.api.post("/subscribe/ee-uudised", data=sent)
        assert again.status == 422
        assert name_error(again) == SAID[lang]
        # What was typed comes back, without the characters no one could find to delete.
        assert 'value="Anna Kisevičienė"' in again.text
        assert f'value="anna.{lang}@example.lt"' in again.text
        assert 'id="page-error"' not in again.text  # the address was right: nothing said of it
    assert await names(conn) == {}
    await mailing.settle()
    assert mailing.sink.messages == []
    # Sent again as shown, it subscribes: the name as the person saw it.
    page = await mailing.api.get("/subscribe/ee-uudised?lang=et")
    sent = form_fields(page.text) | {"email": "anna@example.lt", "name": "Anna Kisevičienė"}
    thanked = await mailing.api.post("/subscribe/ee-uudised", data=sent)
    assert thanked.status == 200
    assert await names(conn) == {"anna@example.lt": "Anna Kisevičienė"}


async def test_a_wrong_address_and_a_wrong_name_are_both_said(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    page = await mailing.api.get("/subscribe/ee-uudised?lang=en")
    sent = form_fields(page.text) | {"email": "anna@example", "name": REFUSED["isolates"]}
    again = await mailing.api.post("/subscribe/ee-uudised", data=sent)
    assert again.status == 422
    assert 'id="page-error"' in again.text  # the address's error, as before
    assert name_error(again) == SAID["en"]


async def test_a_pasted_form_with_such_a_name_is_corrected_on_our_page(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    site = "https://www.norden.ee"
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    api = mailing.api.as_(token)
    saved = await api.patch("/v1/lists/ee-uudised", json={"thank_you_url": f"{site}/aitah"})
    assert saved.status == 200, saved.text
    key = (await api.get("/v1/lists/ee-uudised")).json["form_key"]
    again = await mailing.api.post(
        "/subscribe/ee-uudised",
        data={"form_key": key, "email": "anna@example.lt", "name": REFUSED["left-to-right mark"]},
        headers={"Origin": site},
        allow_redirects=False,
    )
    assert again.status == 422
    assert name_error(again) == SAID["et"]  # the list's language: the pasted form sent none
    assert 'value="Anna Kisevičienė"' in again.text
    assert await names(conn) == {}
    # Corrected on our page (its own token), it goes on to the site's thank-you page.
    fixed = await mailing.api.post(
        "/subscribe/ee-uudised",
        data={
            "form_token": form_token(again.text),
            "email": "anna@example.lt",
            "name": "Anna Kisevičienė",
        },
        headers={"Origin": mailing.base},
        allow_redirects=False,
    )
    assert fixed.status == 303
    assert fixed.headers["Location"] == f"{site}/aitah"
    assert await names(conn) == {"anna@example.lt": "Anna Kisevičienė"}


async def test_a_form_cannot_slip_a_lone_surrogate_in_only_a_replacement_character(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    page = await mailing.api.get("/subscribe/ee-uudised?lang=et")
    fields = form_fields(page.text) | {"email": "anna@example.lt"}
    body = "&".join(f"{k}={quote(v)}" for k, v in fields.items()) + "&name=Anna%ED%A0%80"
    answer = await mailing.api.post(
        "/subscribe/ee-uudised",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 200, answer.text
    # The form's bytes are decoded with replacement: what is no UTF-8 arrives as U+FFFD, a
    # visible character, never as a surrogate that no database or mail could carry.
    assert await names(conn) == {"anna@example.lt": "Anna\ufffd\ufffd\ufffd"}


async def test_an_import_rejects_each_such_row_and_takes_the_rest(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    api = mailing.api.as_(token)
    await api.post("/v1/lists", json=EE_LIST)
    bad = list(REFUSED.items())
    lines = ["email,name"]
    lines += [f'bad{i}@example.ee,"{name}"' for i, (_, name) in enumerate(bad)]
    lines += [f'{email},"{name}"' for email, (name, _) in KEPT.items()]
    report = await api.post(
        "/v1/lists/ee-uudised/import?consent=signed+up+at+the+Tartu+seminar",
        data=("\r\n".join(lines) + "\r\n").encode(),
        headers={"Content-Type": "text/csv", "Accept-Language": "en"},
    )
    assert report.status == 200, report.text
    # Rows as the spreadsheet numbers them: the header is row 1.
    assert [(r["row"], r["field"], r["message"]) for r in report.json["rejected"]] == [
        (i + 2, "name", FIELD_SAID["en"]) for i in range(len(bad))
    ]
    assert report.json["created"] == len(KEPT)
    assert await names(conn) == {email: stored for email, (_, stored) in KEPT.items()}


async def test_a_campaigns_test_reader_follows_the_same_rule(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    made = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Uudised", "body": "Tere, {name}!"}
    )
    campaign = made.json["id"]
    name = REFUSED["right-to-left override"]
    preview = await mailing.api.as_(editor).get(
        f"/v1/campaigns/{campaign}/preview?name={quote(name)}"
    )
    assert preview.status == 422
    assert [e["field"] for e in preview.json["errors"]] == ["name"]
    tested = await mailing.api.as_(sender).post(
        f"/v1/campaigns/{campaign}/test", json={"addresses": ["proof@example.ee"], "name": name}
    )
    assert tested.status == 422
    assert [e["field"] for e in tested.json["errors"]] == ["name"]
    kept = await mailing.api.as_(editor).get(
        f"/v1/campaigns/{campaign}/preview?name={quote('Ona Kisevičienė')}"
    )
    assert "Tere, Ona Kisevičienė!" in kept.json["text"]


async def test_a_lists_sender_name_follows_it_and_one_stored_before_never_blocks_a_change(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    api = mailing.api.as_(token)
    # The From header's name: reordered by an override, it reads as another sender.
    refused = await api.post("/v1/lists", json=EE_LIST | {"from_name": "Madis \u202eKanarbik"})
    assert refused.status == 422
    assert refused.json["errors"] == [{"field": "from_name", "message": FIELD_SAID["en"]}]
    await make_list(mailing, token)
    await conn.execute(
        "UPDATE mailing.lists SET from_name = $1 WHERE slug = 'ee-uudised'", "Madis\u200e Kanarbik"
    )
    changed = await api.patch("/v1/lists/ee-uudised", json={"colour": "#0b5394"})
    assert changed.status == 200, changed.text
    assert changed.json["from_name"] == "Madis Kanarbik"


async def test_a_confirmation_link_mailed_before_the_rule_confirms_its_name_cleaned(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    asked = await mailing.api.post(
        "/v1/lists/ee-uudised/subscribe", json={"email": "anna@example.lt", "name": "Anna"}
    )
    assert asked.status == 202
    await mailing.settle()
    mailed = mailing.links("/confirm/")[0].split("?")[0].rsplit("/", 1)[1]
    # The same link as the old form handler had it signed: the name with an override in it.
    keys = Keys.of(mailing.settings)
    claims = keys.verify("confirm", mailed)
    expires = claims.pop("exp")
    assert isinstance(expires, int)
    old = keys.sign_until("confirm", claims | {"name": "Anna \u202eKisevičienė"}, expires)
    confirmed = await mailing.api.post(f"/confirm/{old}", data={"lang": "et"})
    assert confirmed.status == 200, confirmed.text
    stored = await conn.fetchval("SELECT name FROM mailing.subscriptions")
    assert stored == "Anna Kisevičienė"
