"""Import, export as 3.0 and 4.0, import again: every field Kontakt stores comes back."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
import vobject
from pythonvCard4.vcard import Contact

from tests.support.services import Pair
from tests.vcard.test_downloads import check_wire_format, strict_values

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


async def import_card(services: Pair, token: str, body: bytes) -> dict[str, Any]:
    """The one item of an import's report."""
    reply = await services.directory.as_(token).post(
        "/v1/contacts/import?network=lv&lang=lv",
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
        assert after["titles"] == {"lv": before["titles"]["lv"]}
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
