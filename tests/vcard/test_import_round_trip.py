"""Import, export as 3.0 and 4.0, import again: every field Kontakt stores comes back."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
import vobject
from pythonvCard4.vcard import Contact

from tests.support.cards import check_wire_format, strict_values
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

CARD = "\r\n".join(
    [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "N:Kisevičienė-Mežecka;Žydrūnė Ieva;;;",
        "FN:Žydrūnė Ieva Kisevičienė-Mežecka",
        "ORG:Providus",
        "TITLE:Vecākā padomniece; integrācija\\, valodas \\\\ kultūra",
        "TEL;TYPE=cell:293 94399",
        "TEL;VALUE=uri;TYPE=work:tel:+370-5-200-0009;ext=5555",
        "TEL;VALUE=text;TYPE=work:ask the secretary",
        "EMAIL:zydrune.k@example.lv",
        "EMAIL:ieva.m@example.lv",
        "URL:https://providus.lv/lv/projekti",
        "URL:https://example.lv/ž",
        "CATEGORIES:Latvija,Lietuva",
        "END:VCARD",
        "",
    ]
).encode()
CARRIED = ("uid", "given_name", "family_name", "display_name", "emails", "links")


async def import_card(
    services: Pair, token: str, body: bytes, query: str = "network=lv"
) -> dict[str, Any]:
    """The one item of an import's report (no `lang`: titles the card says no language of
    are in the network's default language, Latvian)."""
    reply = await services.directory.as_(token).post(
        f"/v1/contacts/import?{query}",
        data=body,
        headers={"Content-Type": "text/vcard"},
    )
    assert reply.status == 200, reply.text
    item: dict[str, Any] = reply.json["items"][0]
    return item


async def test_round_trip_keeps_every_field(
    services: Pair, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = services.directory.as_(admin_token)
    first = await import_card(services, admin_token, CARD)
    assert first["status"] == "created", first
    contact_id = first["contact"]
    # What a vCard cannot carry is set through the API: it must survive the round trip too.
    patched = await api.patch(
        f"/v1/contacts/{contact_id}",
        json={
            "titles": {"lv": "Vecākā padomniece; integrācija, valodas \\ kultūra", "en": "Adviser"},
            "networks": [{"network": "lv", "role": "coordinator"}, "lt"],
            "position": 7,
        },
    )
    assert patched.status == 200, patched.text
    before = patched.json
    assert [(p["e164"], p["written"], p["extension"]) for p in before["phones"]] == [
        ("+37129394399", "293 94399", None),
        ("+37052000009", "+370-5-200-0009 ext. 5555", "5555"),
        (None, "ask the secretary", None),
    ]
    for fmt in ("3.0", "4.0"):
        exported = await services.vcard.as_(admin_token).get(
            f"/v1/contacts/{contact_id}.vcf?lang=lv&format={fmt}"
        )
        check_wire_format(exported.body)
        parsed = vobject.readOne(exported.text)
        tels = [t.value for t in parsed.contents["tel"]]
        if fmt == "4.0":
            assert tels == ["tel:+37129394399", "tel:+37052000009;ext=5555", "ask the secretary"]
            independent = Contact.from_vcard(exported.text)
            assert [t["value"] for t in independent.tel] == tels
        else:
            assert tels == ["+37129394399", "+370-5-200-0009 ext. 5555", "ask the secretary"]
            assert strict_values(exported.text)["TEL"] == tels
        # Over the contact it came from: nothing changes, not even the revision.
        again = await import_card(services, admin_token, exported.body)
        assert (again["status"], again["contact"]) == ("unchanged", contact_id), again
        assert (await api.get(f"/v1/contacts/{contact_id}")).json == before
        # Into an empty directory: everything the card carries comes back.
        await conn.execute("DELETE FROM contacts WHERE id = $1", contact_id)
        fresh = await import_card(services, admin_token, exported.body)
        assert fresh["status"] == "created", fresh
        after = (await api.get(f"/v1/contacts/{fresh['contact']}")).json
        for key in CARRIED:
            assert after[key] == before[key], (fmt, key)
        # 4.0 carries every language's title (ALTID alternatives), 3.0 the card's language's.
        titles = before["titles"] if fmt == "4.0" else {"lv": before["titles"]["lv"]}
        assert after["titles"] == titles, fmt
        assert after["organisation"]["slug"] == "providus"
        assert [(p["e164"], p["kind"], p["extension"]) for p in after["phones"]] == [
            (p["e164"], p["kind"], p["extension"]) for p in before["phones"]
        ]
        assert sorted(n["network"] for n in after["networks"]) == ["lt", "lv"]
        # Put back what the API set, for the next format's turn.
        contact_id = fresh["contact"]
        restored = await api.patch(
            f"/v1/contacts/{contact_id}",
            json={
                "titles": before["titles"],
                "networks": before["networks"],
                "position": 7,
                "phones": [{"number": p["written"], "kind": p["kind"]} for p in before["phones"]],
            },
        )
        assert restored.status == 200, restored.text
        before = restored.json


async def test_titles_keep_their_language_from_export_to_import(
    services: Pair, admin_token: str, conn: asyncpg.Connection
) -> None:
    """Exported in any language, in 3.0 and 4.0, imported again without `lang`: each title
    goes back to its own language; a title no file says the language of (an iPhone's card, a
    "Job Title" column) is the network's default language's, not English."""
    api = services.directory.as_(admin_token)
    made = await api.post(
        "/v1/contacts",
        json={
            "given_name": "Aistė",
            "family_name": "Kiseliūnienė",
            "titles": {"lt": "Vyriausioji patarėja", "en": "Chief Adviser"},
            "emails": ["aiste.kiseliuniene@example.lt"],
            "networks": ["lt"],
        },
    )
    assert made.status == 201, made.text
    before = made.json
    for fmt, lang in (("3.0", "lt"), ("3.0", "en"), ("4.0", "lt"), ("4.0", "en")):
        exported = await services.vcard.as_(admin_token).get(
            f"/v1/contacts/{before['id']}.vcf?lang={lang}&format={fmt}"
        )
        check_wire_format(exported.body)
        parsed = vobject.readOne(exported.text)
        assert parsed.title.value == before["titles"][lang]  # what a phone shows: the first
        assert parsed.title.params["LANGUAGE"] == [lang]
        # Over the contact: nothing changes.
        again = await import_card(services, admin_token, exported.body, "network=lt")
        assert (again["status"], again["contact"]) == ("unchanged", before["id"]), again
        # Into a directory without it: each title in its language.
        await conn.execute("DELETE FROM contacts WHERE id = $1", before["id"])
        fresh = await import_card(services, admin_token, exported.body, "network=lt")
        assert fresh["status"] == "created", fresh
        after = (await api.get(f"/v1/contacts/{fresh['contact']}")).json
        assert after["titles"] == (
            before["titles"] if fmt == "4.0" else {lang: before["titles"][lang]}
        )
        patched = await api.patch(
            f"/v1/contacts/{fresh['contact']}", json={"titles": before["titles"]}
        )
        assert patched.status == 200, patched.text
        before = patched.json
    # A card and a CSV row that say no language: the network's (Lithuanian), or `lang`'s.
    iphone = "\r\n".join(
        ["BEGIN:VCARD", "VERSION:3.0", "N:Žemaitė;Rūta;;;", "FN:Rūta Žemaitė",
         "TITLE:Patarėja", "EMAIL;type=INTERNET;type=WORK:ruta.zemaite@example.lt",
         "END:VCARD", ""]
    ).encode()  # fmt: skip
    outlook = (
        "First Name,Last Name,Job Title,E-mail Address\r\n"
        "Jonas,Petraitis,Direktorius,jonas.p@example.lt\r\n"
    )
    for body, kind, query, titles in (
        (iphone, "text/vcard", "network=lt", {"lt": "Patarėja"}),
        (outlook.encode(), "text/csv", "network=lt", {"lt": "Direktorius"}),
        (
            iphone.replace(b"example.lt", b"example.ee"),
            "text/vcard",
            "network=ee&lang=lt",
            {"lt": "Patarėja"},
        ),
        (
            outlook.encode().replace(b"example.lt", b"example.ee"),
            "text/csv",
            "network=ee",
            {"et": "Direktorius"},
        ),
    ):
        reply = await api.post(
            f"/v1/contacts/import?{query}", data=body, headers={"Content-Type": kind}
        )
        assert reply.status == 200, reply.text
        item = reply.json["items"][0]
        assert item["status"] == "created", item
        assert (await api.get(f"/v1/contacts/{item['contact']}")).json["titles"] == titles, query
