"""CardDAV change sets say nothing about contacts the caller cannot see (RFC 6578 sync)."""

from __future__ import annotations

import pytest

from tests.conftest import MakeAccount
from tests.support.dav import SYNC, basic, dav, sync_report
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

HIDDEN = {"given_name": "Ülle", "family_name": "Varjatud", "emails": ["ulle@salajane.ee"]}


def uid_of(items: list[dict[str, object]], family_name: str) -> str:
    return str(next(c["uid"] for c in items if c["family_name"] == family_name))


async def test_an_anonymous_sync_hears_of_leaving_contacts_once_and_of_hidden_ones_never(
    services: Pair, admin_token: str
) -> None:
    admin = services.directory.as_(admin_token)
    for body in (
        {"slug": "salajane", "names": {"et": "Salajane"}, "is_private": True},
        {"slug": "varjatud", "names": {"et": "Varjatud"}, "is_private": True},
        {"slug": "avalik-laps", "parent": "varjatud", "names": {"et": "Avalik laps"}},
    ):
        assert (await admin.post("/v1/networks", json=body)).status == 201
    items = (await admin.get("/v1/networks/for-in/contacts?limit=200")).json["items"]
    zibas, hango, reimaa = (uid_of(items, n) for n in ("Zibas", "Hango", "Reimaa"))
    ids = {c["uid"]: c["id"] for c in items}
    _, start = await sync_report(services, "for-in")

    # Contacts nobody anonymous ever saw: created private, created unpublished, in a public
    # child of a private parent; and one of them edited and deleted.
    secret = await admin.post("/v1/contacts", json=HIDDEN | {"networks": ["salajane"]})
    draft = await admin.post(
        "/v1/contacts",
        json=HIDDEN | {"family_name": "Mustand", "networks": ["ee"], "published": False},
    )
    child = await admin.post(
        "/v1/contacts", json=HIDDEN | {"family_name": "Laps", "networks": ["avalik-laps"]}
    )
    never_seen = {r.json["uid"] for r in (secret, draft, child)}
    patched = await admin.patch(f"/v1/contacts/{secret.json['id']}", json={"given_name": "Ulla"})
    assert patched.status == 200
    assert (await admin.delete(f"/v1/contacts/{child.json['id']}")).status == 204

    # Contacts anyone saw, leaving the view three ways.
    assert (
        await admin.patch(f"/v1/contacts/{ids[hango]}", json={"published": False})
    ).status == 200
    assert (
        await admin.patch("/v1/networks/nordic-baltic", json={"is_private": True})
    ).status == 200
    assert (await admin.delete(f"/v1/contacts/{ids[reimaa]}")).status == 204

    entries, after = await sync_report(services, "for-in", start)
    assert not never_seen & entries.keys()
    assert {zibas, hango, reimaa} <= entries.keys()
    # Gone, the same way whatever the reason.
    assert {entries[u] for u in (zibas, hango, reimaa)} == {"HTTP/1.1 404 Not Found"}

    # Once: later changes to them, still hidden, are not reported again.
    assert (
        await admin.patch(f"/v1/contacts/{ids[zibas]}", json={"titles": {"en": "Adviser"}})
    ).status == 200
    assert (
        await admin.patch(f"/v1/contacts/{ids[hango]}", json={"given_name": "Jaana"})
    ).status == 200
    entries, again = await sync_report(services, "for-in", after)
    assert entries == {}
    # Back in view: a full entry, with its card.
    assert (
        await admin.patch("/v1/networks/nordic-baltic", json={"is_private": False})
    ).status == 200
    entries, _ = await sync_report(services, "for-in", again)
    assert entries == {zibas: "HTTP/1.1 200 OK"}


async def test_a_read_token_sync_follows_what_its_account_sees(
    services: Pair, admin_token: str, make_account: MakeAccount
) -> None:
    admin = services.directory.as_(admin_token)
    _, ee_phone = await make_account(
        "telefon@example.ee", kind="read", permissions={"ee": ("edit_contacts",)}
    )
    _, lv_phone = await make_account(
        "telefons@example.lv", kind="read", permissions={"lv": ("edit_contacts",)}
    )
    items = (await admin.get("/v1/networks/ee/contacts")).json["items"]
    kanarbik = next(c for c in items if c["family_name"] == "Kanarbik")
    _, ee_start = await sync_report(services, "for-in", **basic(ee_phone))
    _, lv_start = await sync_report(services, "for-in", **basic(lv_phone))
    _, anonymous_start = await sync_report(services, "for-in")

    assert (await admin.patch("/v1/networks/ee", json={"is_private": True})).status == 200
    assert (
        await admin.patch(f"/v1/contacts/{kanarbik['id']}", json={"given_name": "Madis-Jaan"})
    ).status == 200

    ee_entries, _ = await sync_report(services, "for-in", ee_start, **basic(ee_phone))
    assert ee_entries[kanarbik["uid"]] == "HTTP/1.1 200 OK"  # still theirs: the new card
    lv_entries, _ = await sync_report(services, "for-in", lv_start, **basic(lv_phone))
    anonymous, _ = await sync_report(services, "for-in", anonymous_start)
    estonians = {c["uid"] for c in items}
    for entries in (lv_entries, anonymous):
        assert estonians <= entries.keys()
        assert {entries[u] for u in estonians} == {"HTTP/1.1 404 Not Found"}

    # A contact created in the private network reaches its own people only.
    _, ee_point = await sync_report(services, "ee", **basic(ee_phone))
    _, lv_point = await sync_report(services, "for-in", **basic(lv_phone))
    new = await admin.post("/v1/contacts", json=HIDDEN | {"networks": ["ee"]})
    ee_entries, _ = await sync_report(services, "ee", ee_point, **basic(ee_phone))
    assert ee_entries == {new.json["uid"]: "HTTP/1.1 200 OK"}
    lv_entries, _ = await sync_report(services, "for-in", lv_point, **basic(lv_phone))
    assert lv_entries == {}
    status, _, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/ee/", SYNC.format(token=""), **basic(lv_phone)
    )
    assert status == 404
