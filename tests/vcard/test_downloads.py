"""Single cards, bulk, ZIP and QR: exact output, read back by two parsers; the e-mail rule."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
import vobject
import zxingcpp
from PIL import Image
from pythonvCard4.vcard import Contact

from shared.settings import Settings
from tests.conftest import DEMO_EMAILS, MakeAccount
from tests.support.cards import check_wire_format, contact_ids, strict_values
from tests.support.harvesters import harvest
from tests.support.openapi import OpenApi
from tests.support.services import Pair, start_pair

pytestmark = pytest.mark.usefixtures("demo")


def split_cards(text: str) -> list[str]:
    """The cards of a .vcf, each with its CRLFs."""
    return [c + "END:VCARD\r\n" for c in text.split("END:VCARD\r\n") if c.strip()]


async def test_anonymous_card_is_complete_but_has_no_email(services: Pair) -> None:
    ids = await contact_ids(services)
    reply = await services.vcard.get(f"/v1/contacts/{ids['Kanarbik']}.vcf?lang=et")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/vcard; charset=utf-8"
    check_wire_format(reply.body)
    card = vobject.readOne(reply.text)
    assert card.version.value == "3.0"
    assert card.n.value.family == "Kanarbik"
    assert card.n.value.given == "Madis"
    assert card.fn.value == "Madis Kanarbik"
    assert card.org.value == ["Põhjamaade Ministrite Nõukogu Tartu filiaal"]
    assert card.title.value == "Põhjamaade Ministrite Nõukogu Tartu filiaali juhataja"
    tels = [(t.value, t.params["TYPE"]) for t in card.contents["tel"]]
    assert tels == [("+372 7423 625", ["WORK", "VOICE"]), ("+372 50 46570", ["CELL", "VOICE"])]
    assert card.uid.value.startswith("urn:uuid:")
    assert card.prodid.value.startswith("-//Kontakt//")
    assert card.rev.value.endswith("Z")
    assert card.categories.value == ["Eesti"]
    assert "email" not in card.contents
    assert "EMAIL" not in reply.text
    independent = strict_values(reply.text)  # accepted as RFC 2426, and the same data
    assert independent["N"] == ["Kanarbik;Madis;;;"]
    assert independent["FN"] == [card.fn.value]
    assert independent["ORG"] == card.org.value
    assert independent["TITLE"] == [card.title.value]
    assert independent["TEL"] == [t for t, _ in tels]
    assert independent["UID"] == [card.uid.value]


async def test_vcard_40_and_jcard_by_accept_or_format(services: Pair) -> None:
    ids = await contact_ids(services)
    url = f"/v1/contacts/{ids['Kisevičienė']}.vcf"
    four = await services.vcard.get(url, headers={"Accept": "text/vcard; version=4.0"})
    assert "VERSION:4.0\r\n" in four.text
    assert 'TEL;VALUE=uri;TYPE="cell,voice":tel:+37060766902' in four.text
    check_wire_format(four.body)
    parsed = vobject.readOne(four.text)
    assert parsed.fn.value == "Lina Kisevičienė"
    independent = Contact.from_vcard(four.text)  # a second, independent 4.0 parser
    assert independent.fn == parsed.fn.value
    assert independent.n == ["Kisevičienė", "Lina", "", "", ""]
    assert [t["value"] for t in independent.tel] == [parsed.tel.value] == ["tel:+37060766902"]
    assert (await services.vcard.get(url + "?format=4.0")).text == four.text
    jcard = await services.vcard.get(url, headers={"Accept": "application/vcard+json"})
    assert jcard.headers["Content-Type"] == "application/vcard+json"
    data = jcard.json
    assert data[0] == "vcard"
    props = {p[0]: p for p in data[1]}
    assert props["fn"][3] == "Lina Kisevičienė"
    assert props["n"][3] == ["Kisevičienė", "Lina", "", "", ""]
    assert props["tel"][1] == {"type": ["cell", "voice"]}
    assert props["tel"][3] == "tel:+37060766902"
    assert (await services.vcard.get(url + "?format=2.1")).problem_fields() == ["format"]


async def test_file_name_etag_and_not_modified(services: Pair) -> None:
    ids = await contact_ids(services)
    reply = await services.vcard.get(f"/v1/contacts/{ids['Gintautaitė']}.vcf")
    disposition = reply.headers["Content-Disposition"]
    assert 'filename="Vida Gintautaite.vcf"' in disposition
    assert f"filename*=UTF-8''{quote('Vida Gintautaitė.vcf')}" in disposition
    etag = reply.headers["ETag"]
    again = await services.vcard.get(
        f"/v1/contacts/{ids['Gintautaitė']}.vcf", headers={"If-None-Match": etag}
    )
    assert again.status == 304
    assert (await services.vcard.get("/v1/contacts/999999.vcf")).status == 404


async def test_entitled_callers_get_email_and_other_etags(
    services: Pair, make_account: MakeAccount, admin_token: str
) -> None:
    ids = await contact_ids(services)
    url = f"/v1/contacts/{ids['Kisevičienė']}.vcf"
    anonymous = await services.vcard.get(url)
    admin = await services.vcard.as_(admin_token).get(url)
    assert "EMAIL;TYPE=INTERNET:lina@diversitygroup.lt" in admin.text
    assert admin.headers["ETag"] != anonymous.headers["ETag"]
    assert admin.headers["Cache-Control"] == "private, no-store"
    _, lt_reader = await make_account(
        "phone@example.lt", kind="read", permissions={"lt": ("edit_contacts",)}
    )
    assert "lina@diversitygroup.lt" in (await services.vcard.as_(lt_reader).get(url)).text
    estonian = await services.vcard.as_(lt_reader).get(f"/v1/contacts/{ids['Kanarbik']}.vcf")
    assert "EMAIL" not in estonian.text
    assert (await services.vcard.as_("kt_revoked-or-made-up").get(url)).status == 401


async def test_reveal_token_from_the_directory_adds_the_email(services: Pair) -> None:
    cards = (await services.directory.get("/v1/widget/for-in?member=lv")).json["cards"]
    mezecka = next(c for c in cards if c["name"] == "Daina Mežecka")
    revealed = await services.directory.post(
        "/v1/reveal", json={"token": mezecka["token"]}, headers=services.iframe
    )
    path = re.sub(r"^https?://[^/]+", "", revealed.json["vcard_url"])
    card = await services.vcard.get(path)
    assert card.status == 200
    assert "EMAIL;TYPE=INTERNET:daina@norden.lv" in card.text
    other = next(c for c in cards if c["name"] == "Alda Sebre")
    foreign = path.replace(f"/contacts/{mezecka['id']}.vcf", f"/contacts/{other['id']}.vcf")
    assert "EMAIL" not in (await services.vcard.get(foreign)).text
    assert (
        await services.vcard.get(path.split("reveal=")[0] + "reveal=forged.token")
    ).status == 403


@pytest.fixture
async def strict_pair(
    settings: Settings, directory_spec: OpenApi, vcard_spec: OpenApi
) -> AsyncIterator[Pair]:
    """Both services with a budget of two."""
    pair, clients = await start_pair(settings.replace(reveal_limit=2), directory_spec, vcard_spec)
    yield pair
    for client in clients:
        await client.close()


async def test_reveals_and_vcards_with_email_share_one_budget(strict_pair: Pair) -> None:
    cards = (await strict_pair.directory.get("/v1/widget/for-in?member=lt")).json["cards"]
    revealed = await strict_pair.directory.post(
        "/v1/reveal", json={"token": cards[0]["token"]}, headers=strict_pair.iframe
    )
    path = re.sub(r"^https?://[^/]+", "", revealed.json["vcard_url"])
    assert (await strict_pair.vcard.get(path)).status == 200  # budget: 2 of 2 spent
    limited = await strict_pair.vcard.get(path)
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert (
        await strict_pair.directory.post(
            "/v1/reveal", json={"token": cards[1]["token"]}, headers=strict_pair.iframe
        )
    ).status == 429


async def test_bulk_vcf_streams_the_network(services: Pair, admin_token: str) -> None:
    anonymous = await services.vcard.get("/v1/networks/for-in.vcf?lang=lt")
    assert anonymous.status == 200
    check_wire_format(anonymous.body)
    cards = list(vobject.readComponents(anonymous.text))
    assert len(cards) == 12
    assert "EMAIL" not in anonymous.text
    for text, parsed in zip(split_cards(anonymous.text), cards, strict=True):
        assert strict_values(text)["FN"] == [parsed.fn.value]
    assert 'filename="for-in.vcf"' in anonymous.headers["Content-Disposition"]
    member = await services.vcard.get("/v1/networks/for-in.vcf?member=ee")
    assert len(list(vobject.readComponents(member.text))) == 5
    full = await services.vcard.as_(admin_token).get("/v1/networks/for-in.vcf")
    assert {
        e.value for c in vobject.readComponents(full.text) for e in c.contents.get("email", [])
    } == set(DEMO_EMAILS)
    outlook = await services.vcard.get("/v1/networks/for-in.vcf?flavour=outlook&member=lt")
    assert "FN;CHARSET=UTF-8:Lina Kisevičienė\r\n" in outlook.text
    assert (await services.vcard.get("/v1/networks/atlantis.vcf")).status == 404


async def test_zip_has_one_card_per_file_with_unicode_names(services: Pair) -> None:
    reply = await services.vcard.get("/v1/networks/for-in.zip?member=lt")
    assert reply.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(reply.body))
    assert sorted(archive.namelist()) == ["Lina Kisevičienė.vcf", "Vida Gintautaitė.vcf"]
    card = vobject.readOne(archive.read("Lina Kisevičienė.vcf").decode())
    assert card.fn.value == "Lina Kisevičienė"


def decode_qr(png: bytes) -> str:
    """The text a QR code holds."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found"
    return str(results[0].text)


async def test_qr_codes_hold_the_card(services: Pair, admin_token: str) -> None:
    ids = await contact_ids(services)
    png = await services.vcard.get(f"/v1/contacts/{ids['Zibas']}/qr.png")
    assert png.headers["Content-Type"] == "image/png"
    text = decode_qr(png.body)
    card = vobject.readOne(text)
    assert card.fn.value == "Karolis Zibas"
    assert card.tel.value == "+46 704 375594"
    assert "EMAIL" not in text
    full = decode_qr(
        (await services.vcard.as_(admin_token).get(f"/v1/contacts/{ids['Zibas']}/qr.png")).body
    )
    assert "zibas@unhcr.org" in full
    svg = await services.vcard.get(f"/v1/contacts/{ids['Zibas']}/qr.svg")
    assert svg.text.lstrip().startswith("<svg")


DEMO_LANGS = {"ee": "et", "lv": "lv", "lt": "lt", "nordic-baltic": "en"}


async def test_qr_codes_are_utf8_with_an_eci_marker_in_every_language(services: Pair) -> None:
    listing = await services.directory.get("/v1/networks/for-in/contacts?limit=200")
    for contact in listing.json["items"]:
        lang = DEMO_LANGS[contact["networks"][0]["network"]]
        png = await services.vcard.get(f"/v1/contacts/{contact['id']}/qr.png?lang={lang}")
        image = Image.open(io.BytesIO(png.body))
        (found,) = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.ECI)
        # ]Q2: a QR code with ECI; \000026: ECI 26, UTF-8 (AIM ECI specification).
        assert found.text.startswith("]Q2\\000026"), (contact["display_name"], found.text[:12])
        text = found.bytes.decode("utf-8")
        assert vobject.readOne(text).fn.value == contact["display_name"]
        assert decode_qr(png.body) == text


async def test_long_titles_fold_by_octets_and_survive(services: Pair, admin_token: str) -> None:
    title = "ė" * 70 + "; ja, veel \\ midagi"
    created = await services.directory.as_(admin_token).post(
        "/v1/contacts",
        json={
            "given_name": "Žydrūnė",
            "family_name": "Jõemets",
            "titles": {"et": title},
            "networks": ["ee"],
        },
    )
    url = f"/v1/contacts/{created.json['id']}.vcf?lang=et"
    for fmt in ("3.0", "4.0"):
        reply = await services.vcard.get(f"{url}&format={fmt}")
        check_wire_format(reply.body)
        assert vobject.readOne(reply.text).title.value == title
    independent = strict_values((await services.vcard.get(url)).text)
    assert independent["TITLE"] == [title]


async def test_directory_down_is_503_with_retry_after(services: Pair) -> None:
    ids = await contact_ids(services)
    await services.directory_server.close()
    reply = await services.vcard.get(f"/v1/contacts/{ids['Zibas']}.vcf")
    assert reply.status == 503
    assert reply.headers["Retry-After"]
    ready = await services.vcard.get("/readyz")
    assert ready.json == {"status": "degraded", "detail": "The directory is not reachable."}
    assert (await services.vcard.get("/v1/networks/for-in.vcf")).status == 503


async def test_no_anonymous_path_carries_an_address(services: Pair) -> None:
    ids = await contact_ids(services)
    texts: dict[str, str] = {}
    for contact_id in ids.values():
        for fmt in ("3.0", "4.0", "jcard"):
            reply = await services.vcard.get(f"/v1/contacts/{contact_id}.vcf?format={fmt}")
            texts[f"{contact_id}/{fmt}"] = reply.text
        texts[f"{contact_id}/qr"] = decode_qr(
            (await services.vcard.get(f"/v1/contacts/{contact_id}/qr.png")).body
        )
        texts[f"{contact_id}/svg"] = (
            await services.vcard.get(f"/v1/contacts/{contact_id}/qr.svg")
        ).text
    for member in ("", "ee", "lv", "lt", "nordic-baltic"):
        texts[f"bulk/{member}"] = (
            await services.vcard.get(f"/v1/networks/for-in.vcf?member={member}")
        ).text
        archive = zipfile.ZipFile(
            io.BytesIO((await services.vcard.get(f"/v1/networks/for-in.zip?member={member}")).body)
        )
        texts[f"zip/{member}"] = "".join(archive.read(n).decode() for n in archive.namelist())
    for where, text in texts.items():
        assert not harvest(text) & set(DEMO_EMAILS), where


async def test_jcard_round_trip_matches_the_vcard(services: Pair, admin_token: str) -> None:
    ids = await contact_ids(services)
    api = services.vcard.as_(admin_token)
    url = f"/v1/contacts/{ids['Mežecka']}.vcf?lang=lv"
    card = vobject.readOne((await api.get(url + "&format=4.0")).text)
    data: list[Any] = json.loads((await api.get(url + "&format=jcard")).text)
    props = {p[0]: p[3] for p in data[1]}
    assert props["fn"] == card.fn.value
    assert props["email"] == card.email.value == "daina@norden.lv"
    assert props["tel"] == card.tel.value == "tel:+37129394399"


async def test_read_tokens_get_full_bulk_until_revoked_or_expired(
    services: Pair, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, reader = await make_account(
        "reader@example.lv", kind="read", permissions={"lv": ("edit_contacts",)}
    )
    full = await services.vcard.as_(reader).get("/v1/networks/for-in.vcf?member=lv")
    emails = {
        e.value for c in vobject.readComponents(full.text) for e in c.contents.get("email", [])
    }
    assert emails == {"daina@norden.lv", "alda.sebre@sif.gov.lv", "ieva.raubisko@providus.lv"}
    _, revoked = await make_account(
        "revoked@example.lv", kind="read", permissions={"lv": ("edit_contacts",)}
    )
    await conn.execute(
        "UPDATE tokens SET revoked_at = now() WHERE account_id = "
        "(SELECT id FROM accounts WHERE email = 'revoked@example.lv')"
    )
    assert (
        await services.vcard.as_(revoked).get("/v1/networks/for-in.vcf?member=lv")
    ).status == 401
    _, expired = await make_account(
        "expired@example.lv", kind="read", permissions={"lv": ("edit_contacts",)}
    )
    await conn.execute(
        "UPDATE tokens SET expires_at = now() - interval '1 minute' WHERE account_id = "
        "(SELECT id FROM accounts WHERE email = 'expired@example.lv')"
    )
    assert (
        await services.vcard.as_(expired).get("/v1/networks/for-in.zip?member=lv")
    ).status == 401
