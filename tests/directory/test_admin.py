"""The admin API: changes validated, permission-checked, atomic and safe under concurrency."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.settings import Settings
from tests.conftest import MakeAccount, demo_contact_id
from tests.support.api import Api
from tests.support.contacts import NEW_CONTACT
from tests.support.races import row_held

pytestmark = pytest.mark.usefixtures("demo")


async def test_admin_creates_updates_and_deletes_a_contact(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    created = await api.post("/v1/contacts", json=NEW_CONTACT)
    assert created.status == 201, created.text
    body = created.json
    assert body["display_name"] == "Test Jõemets-Mežecka"
    assert body["emails"] == ["Test.Person@example.org"]  # domain normalised by email-validator
    assert [p["e164"] for p in body["phones"]] == ["+37129394399", "+3727300541"]
    assert body["phones"][0]["kind"] == "cell"
    assert body["revision"] == 1
    contact_id = body["id"]

    changed = await api.patch(
        f"/v1/contacts/{contact_id}", json={"titles": {"en": "Senior Adviser"}}
    )
    assert changed.status == 200
    assert changed.json["titles"] == {"en": "Senior Adviser"}
    assert changed.json["revision"] == 2
    assert changed.json["emails"] == ["Test.Person@example.org"]  # untouched fields stay
    assert len(changed.json["phones"]) == 2

    assert (await api.delete(f"/v1/contacts/{contact_id}")).status == 204
    assert (await api.get(f"/v1/contacts/{contact_id}")).status == 404
    assert (await api.delete(f"/v1/contacts/{contact_id}")).status == 404


async def test_anonymous_cannot_change_anything(directory: Api) -> None:
    reply = await directory.post("/v1/contacts", json=NEW_CONTACT)
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        await directory.post("/v1/networks", json={"slug": "x", "names": {"en": "X"}})
    ).status == 401
    assert (await directory.as_("kt_not-a-token").get("/v1/networks")).status == 401


async def test_latvian_coordinator_cannot_touch_estonian_contacts(
    directory: Api, make_account: MakeAccount
) -> None:
    _, lv_token = await make_account("lv@example.org", permissions={"lv": ("edit_contacts",)})
    api = directory.as_(lv_token)
    listing = (await directory.get("/v1/networks/for-in/contacts?limit=200")).json["items"]
    estonian = demo_contact_id(listing, "Kanarbik")
    latvian = demo_contact_id(listing, "Mežecka")

    denied = await api.patch(f"/v1/contacts/{estonian}", json={"position": 1})
    assert denied.status == 403
    assert (await api.delete(f"/v1/contacts/{estonian}")).status == 403
    in_ee = await api.post("/v1/contacts", json=NEW_CONTACT | {"networks": ["ee"]})
    assert in_ee.status == 403
    # Moving an own contact into a foreign network is just as forbidden.
    moved = await api.patch(f"/v1/contacts/{latvian}", json={"networks": ["lv", "ee"]})
    assert moved.status == 403

    allowed = await api.patch(f"/v1/contacts/{latvian}", json={"titles": {"lv": "Padomniece"}})
    assert allowed.status == 200
    assert allowed.json["emails"] == ["daina@norden.lv"]  # entitled: her own network
    assert (await api.post("/v1/contacts", json=NEW_CONTACT)).status == 201
    # Networks are for admins only.
    assert (await api.patch("/v1/networks/lv", json={"position": 3})).status == 403


async def test_permission_on_parent_network_covers_members(
    directory: Api, make_account: MakeAccount
) -> None:
    _, token = await make_account("for-in@example.org", permissions={"for-in": ("edit_contacts",)})
    listing = (await directory.get("/v1/networks/for-in/contacts")).json["items"]
    estonian = demo_contact_id(listing, "Kanarbik")
    reply = await directory.as_(token).patch(f"/v1/contacts/{estonian}", json={"position": 5})
    assert reply.status == 200


async def test_read_token_changes_nothing(directory: Api, make_account: MakeAccount) -> None:
    _, token = await make_account(
        "reader@example.org", kind="read", permissions={"lv": ("edit_contacts",)}
    )
    reply = await directory.as_(token).post("/v1/contacts", json=NEW_CONTACT)
    assert reply.status == 403


async def test_invalid_contact_names_every_field_and_writes_nothing(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    before = await conn.fetchval("SELECT count(*) FROM contacts")
    phones_before = await conn.fetchval("SELECT count(*) FROM contact_phones")
    bad = NEW_CONTACT | {
        "phones": ["+372 7423 625", "not a phone"],
        "emails": ["ok@example.org", "no-at-sign"],
        "links": ["javascript:alert(1)"],
        "titles": {"de": "Berater"},
        "networks": ["lv", {"network": "lv"}],
        "given_name": "Bad\r\nBcc: victim@example.org",
        "colour": "blue",
    }
    reply = await directory.as_(admin_token).post("/v1/contacts", json=bad)
    assert reply.status == 422
    fields = set(reply.problem_fields())
    assert {
        "phones[1].number",
        "emails[1]",
        "links[0].url",
        "titles.de",
        "networks[1].network",
        "given_name",
        "colour",
    } <= fields
    assert await conn.fetchval("SELECT count(*) FROM contacts") == before
    assert await conn.fetchval("SELECT count(*) FROM contact_phones") == phones_before


async def test_unknown_network_or_organisation_rolls_back_everything(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    before = await conn.fetchval("SELECT count(*) FROM contacts")
    reply = await directory.as_(admin_token).post(
        "/v1/contacts", json=NEW_CONTACT | {"networks": ["lv", "atlantis"]}
    )
    assert reply.status == 422
    assert reply.problem_fields() == ["networks[1].network"]
    reply = await directory.as_(admin_token).post(
        "/v1/contacts", json=NEW_CONTACT | {"organisation": "no-such-org"}
    )
    assert reply.problem_fields() == ["organisation"]
    assert await conn.fetchval("SELECT count(*) FROM contacts") == before


async def test_stale_revision_is_a_conflict(directory: Api, admin_token: str) -> None:
    api = directory.as_(admin_token)
    listing = (await directory.get("/v1/networks/for-in/contacts")).json["items"]
    contact_id = demo_contact_id(listing, "Zibas")
    first = await api.patch(f"/v1/contacts/{contact_id}", json={"position": 41, "revision": 1})
    assert first.status == 200
    stale = await api.patch(f"/v1/contacts/{contact_id}", json={"position": 42, "revision": 1})
    assert stale.status == 409
    assert stale.json["revision"] == 2
    by_header = await api.patch(
        f"/v1/contacts/{contact_id}", json={"position": 43}, headers={"If-Match": '"2"'}
    )
    assert by_header.status == 200
    # Digits beyond ASCII name no revision (int() reads "٣" as 3 and refuses "²"): the
    # body's stale revision decides.
    for tag in ('"²"', '"٣"'):
        odd = await api.patch(
            f"/v1/contacts/{contact_id}",
            json={"position": 44, "revision": 2},
            headers={"If-Match": tag},
        )
        assert odd.status == 409, tag


async def test_concurrent_updates_lose_no_revision(directory: Api, admin_token: str) -> None:
    api = directory.as_(admin_token)
    listing = (await directory.get("/v1/networks/for-in/contacts")).json["items"]
    contact_id = demo_contact_id(listing, "Sebre")
    replies = await asyncio.gather(
        *(api.patch(f"/v1/contacts/{contact_id}", json={"position": i}) for i in range(8))
    )
    assert all(r.status == 200 for r in replies)
    assert sorted(r.json["revision"] for r in replies) == list(range(2, 10))
    # With a revision each, exactly one of several racing edits wins. Each edit changes the
    # position (an edit that changes nothing writes nothing, so it would never conflict).
    current = (await api.get(f"/v1/contacts/{contact_id}")).json["revision"]
    racing = await asyncio.gather(
        *(
            api.patch(f"/v1/contacts/{contact_id}", json={"position": 100 + i, "revision": current})
            for i in range(5)
        )
    )
    assert sorted(r.status for r in racing) == [200, 409, 409, 409, 409]


async def test_networks_admin(directory: Api, admin_token: str) -> None:
    api = directory.as_(admin_token)
    created = await api.post(
        "/v1/networks",
        json={"slug": "fi", "parent": "for-in", "names": {"en": "Finland"}, "default_lang": "en"},
    )
    assert created.status == 201
    assert created.json["parent"] == "for-in"
    duplicate = await api.post("/v1/networks", json={"slug": "fi", "names": {"en": "Again"}})
    assert duplicate.status == 409
    bad = await api.post(
        "/v1/networks", json={"slug": "Not A Slug", "names": {}, "default_lang": "de"}
    )
    assert bad.status == 422
    assert {"slug", "names", "default_lang"} <= set(bad.problem_fields())
    loop = await api.patch("/v1/networks/for-in", json={"parent": "fi"})
    assert loop.status == 422
    assert loop.problem_fields() == ["parent"]
    renamed = await api.patch("/v1/networks/fi", json={"names": {"en": "Finland", "lt": "Suomija"}})
    assert renamed.json["names"]["lt"] == "Suomija"
    in_use = await api.delete("/v1/networks/lv")
    assert in_use.status == 409
    assert (await api.delete("/v1/networks/fi")).status == 204
    assert (await api.get("/v1/networks/fi")).status == 404


async def test_organisations_admin(
    directory: Api, admin_token: str, make_account: MakeAccount
) -> None:
    api = directory.as_(admin_token)
    created = await api.post(
        "/v1/organisations",
        json={
            "slug": "tartu-city",
            "names": {"et": "Tartu linn", "en": "City of Tartu"},
            "country": "EE",
            "website": "https://www.tartu.ee",
        },
    )
    assert created.status == 201
    bad = await api.post(
        "/v1/organisations",
        json={"slug": "x", "names": {"en": "X"}, "country": "Estonia", "website": "ftp://x"},
    )
    assert set(bad.problem_fields()) == {"country", "website"}
    assert (await api.delete("/v1/organisations/providus")).status == 409
    changed = await api.patch("/v1/organisations/tartu-city", json={"country": "EE", "revision": 1})
    assert changed.json["revision"] == 2
    stale = await api.delete("/v1/organisations/tartu-city", headers={"If-Match": '"1"'})
    assert stale.status == 409  # the client deletes what it saw, not a later edit
    assert (await api.get("/v1/organisations/tartu-city")).status == 200
    current = await api.delete("/v1/organisations/tartu-city", headers={"If-Match": '"2"'})
    assert current.status == 204
    _, nobody = await make_account("nobody@example.org")
    assert (
        await directory.as_(nobody).post(
            "/v1/organisations", json={"slug": "y", "names": {"en": "Y"}}
        )
    ).status == 403


async def test_unpublished_contact_is_hidden_from_the_public(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    listing = (await directory.get("/v1/networks/for-in/contacts?member=lt")).json["items"]
    contact_id = listing[0]["id"]
    assert (await api.patch(f"/v1/contacts/{contact_id}", json={"published": False})).status == 200
    assert (await directory.get(f"/v1/contacts/{contact_id}")).status == 404
    public = await directory.get("/v1/networks/for-in/contacts?member=lt")
    assert contact_id not in [c["id"] for c in public.json["items"]]
    assert (await api.get(f"/v1/contacts/{contact_id}")).status == 200
    full = await api.get("/v1/networks/for-in/contacts?member=lt&include_unpublished=true")
    assert contact_id in [c["id"] for c in full.json["items"]]


async def test_names_with_diacritics_round_trip_through_the_database(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    created = await directory.as_(admin_token).post(
        "/v1/contacts",
        json={
            "given_name": "Žydrūnė",
            "family_name": "Kisevičienė-Jõemets",
            "networks": ["lt"],
            "titles": {"lv": "Vadītāja", "et": "Juhataja"},
        },
    )
    stored = await conn.fetchrow(
        "SELECT family_name, titles FROM contacts WHERE id = $1", created.json["id"]
    )
    assert stored is not None
    assert stored["family_name"] == "Kisevičienė-Jõemets"
    assert stored["titles"]["lv"] == "Vadītāja"


async def test_contacts_only_in_private_networks_are_not_public(
    directory: Api, admin_token: str, make_account: MakeAccount
) -> None:
    api = directory.as_(admin_token)
    listing = (await directory.get("/v1/networks/for-in/contacts?member=nordic-baltic")).json[
        "items"
    ]
    zibas = listing[0]["id"]
    assert (await api.patch("/v1/networks/nordic-baltic", json={"is_private": True})).status == 200
    assert (await directory.get(f"/v1/contacts/{zibas}")).status == 404
    assert (await directory.get("/v1/networks/nordic-baltic/contacts")).status == 404
    _, member = await make_account(
        "nb@example.org", kind="read", permissions={"nordic-baltic": ("edit_contacts",)}
    )
    assert (await directory.as_(member).get(f"/v1/contacts/{zibas}")).status == 200
    assert (await api.get(f"/v1/contacts/{zibas}")).status == 200


async def test_two_edits_of_different_network_fields_both_stay(
    directory: Api, admin_token: str, settings: Settings
) -> None:
    api = directory.as_(admin_token)
    names = {"en": "Estonia", "et": "Eesti", "lv": "Igaunija", "lt": "Estija"}
    held = "SELECT 1 FROM directory.networks WHERE slug = $1 FOR UPDATE"
    async with row_held(settings.database_url or "", held, "ee") as wait:
        moved = asyncio.create_task(api.patch("/v1/networks/ee", json={"position": 7}))
        await wait(1)  # the first edit waits to write
        renamed = asyncio.create_task(api.patch("/v1/networks/ee", json={"names": names}))
        await wait(2)  # the second has read what it reads before writing
    assert [(await moved).status, (await renamed).status] == [200, 200]
    stored = (await api.get("/v1/networks/ee")).json
    assert (stored["position"], stored["names"]) == (7, names)


async def test_a_coordinator_changes_an_organisation_only_where_they_edit_every_contact(
    directory: Api, admin_token: str, make_account: MakeAccount
) -> None:
    admin = directory.as_(admin_token)
    _, estonian = await make_account("ee@example.ee", permissions={"ee": ("edit_contacts",)})
    _, latvian = await make_account("lv@example.lv", permissions={"lv": ("edit_contacts",)})
    _, lists_only = await make_account("uudised@example.ee", permissions={"ee": ("manage_lists",)})
    body = {"slug": "tartu-linn", "names": {"et": "Tartu linn"}, "country": "EE"}
    assert (await directory.as_(latvian).post("/v1/organisations", json=body)).status == 201

    async def renamed(token: str, name: str) -> int:
        patch = {"names": {"et": name, "lv": "Tartu pilsēta"}}
        return (await directory.as_(token).patch("/v1/organisations/tartu-linn", json=patch)).status

    # Nobody works there yet: no card shows its name, so whoever edits contacts may fix it.
    assert await renamed(lists_only, "X") == 403
    assert await renamed(latvian, "Tartu Linn") == 200
    # An Estonian contact works there: its network's editors may, others may not.
    created = await admin.post(
        "/v1/contacts",
        json={
            "given_name": "Jaan",
            "family_name": "Jõemets",
            "organisation": "tartu-linn",
            "networks": ["ee"],
        },
    )
    assert created.status == 201, created.text
    assert await renamed(estonian, "Tartu Linnavalitsus") == 200
    refused = await directory.as_(latvian).patch(
        "/v1/organisations/tartu-linn", json={"names": {"et": "X"}}
    )
    assert refused.status == 403
    assert "tartu-linn" in refused.json["detail"]
    assert await renamed(lists_only, "X") == 403
    # A contact of Latvia too (even deleted: undo would bring it back): admins only.
    other = await admin.post(
        "/v1/contacts",
        json={
            "given_name": "Daina",
            "family_name": "Mežecka",
            "organisation": "tartu-linn",
            "networks": ["lv"],
        },
    )
    assert (await admin.delete(f"/v1/contacts/{other.json['id']}")).status in (200, 204)
    assert await renamed(estonian, "X") == 403
    assert await renamed(latvian, "X") == 403
    assert await renamed(admin_token, "Tartu Linnavalitsus") == 200
    shown = await directory.get("/v1/organisations/tartu-linn")
    assert shown.json["names"] == {"et": "Tartu Linnavalitsus", "lv": "Tartu pilsēta"}
    # Deleting stays an admin's.
    assert (await directory.as_(estonian).delete("/v1/organisations/tartu-linn")).status == 403
