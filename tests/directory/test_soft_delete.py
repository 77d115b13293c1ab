"""Deleting a contact: gone from every read at once, restorable for a while, then purged."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import pytest

from services.directory.housekeeping import CHORES
from services.directory.keys import POOL, QUERIES
from services.directory.store import RESTORE_SECONDS
from shared.housekeeping import prune
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.support.contacts import NEW_CONTACT
from tests.support.dav import sync_report
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_deleted_contact_is_gone_from_every_read_until_restored(
    services: Pair, admin_token: str, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    admin = services.directory.as_(admin_token)
    created = (await admin.post("/v1/contacts", json=NEW_CONTACT)).json
    contact, uid = created["id"], created["uid"]
    _, start = await sync_report(services, "for-in")
    order = (await admin.get("/v1/networks/lv/order")).json["ids"]
    assert contact in order

    deleted = await admin.delete(f"/v1/contacts/{contact}")
    assert deleted.status == 204
    until = datetime.fromisoformat(deleted.headers["Restore-Until"])
    left = (until - datetime.now(until.tzinfo)).total_seconds()
    assert RESTORE_SECONDS - 60 < left <= RESTORE_SECONDS

    # Every read leaves it out: the card, listings (an editor's too), search, the widget,
    # the order, vCard downloads and the CardDAV book, which reports it gone.
    assert (await admin.get(f"/v1/contacts/{contact}")).status == 404
    for url in (
        "/v1/networks/lv/contacts?limit=200&include_unpublished=true",
        "/v1/networks/for-in/contacts?limit=200&q=M%C4%93zecka",
    ):
        assert contact not in [c["id"] for c in (await admin.get(url)).json["items"]]
    widget = await services.directory.get("/v1/widget/lv?lang=lv")
    assert "Jõemets-Mežecka" not in widget.text
    assert contact not in (await admin.get("/v1/networks/lv/order")).json["ids"]
    assert (await services.vcard.get(f"/v1/contacts/{contact}.vcf")).status == 404
    book = await services.vcard.get("/v1/networks/lv.vcf")
    assert "Jõemets-Mežecka" not in book.text
    entries, after_delete = await sync_report(services, "for-in", start)
    assert entries[uid] == "HTTP/1.1 404 Not Found"
    # Nor can it be changed, or deleted twice.
    assert (await admin.patch(f"/v1/contacts/{contact}", json={"given_name": "X"})).status == 404
    assert (await admin.delete(f"/v1/contacts/{contact}")).status == 404

    # Only an editor of its networks restores it.
    _, other = await make_account("koordinaator@example.ee", permissions={"ee": ("edit_contacts",)})
    assert (
        await services.directory.as_(other).post(f"/v1/contacts/{contact}/restore")
    ).status == 403
    restored = await admin.post(f"/v1/contacts/{contact}/restore")
    assert restored.status == 200, restored.text
    assert restored.json["emails"] == ["Test.Person@example.org"]
    assert [p["e164"] for p in restored.json["phones"]] == ["+37129394399", "+3727300541"]
    assert (await admin.get("/v1/networks/lv/order")).json["ids"] == order
    assert "Jõemets-Mežecka" in (await services.directory.get("/v1/widget/lv?lang=lv")).text
    entries, _ = await sync_report(services, "for-in", after_delete)
    assert entries[uid] != "HTTP/1.1 404 Not Found"
    assert (await admin.post(f"/v1/contacts/{contact}/restore")).status == 404


async def test_after_its_time_a_deleted_contact_cannot_be_restored_and_is_purged(
    services: Pair, admin_token: str, conn: asyncpg.Connection
) -> None:
    admin = services.directory.as_(admin_token)
    first = (await admin.post("/v1/contacts", json=NEW_CONTACT)).json["id"]
    second = (
        await admin.post("/v1/contacts", json=NEW_CONTACT | {"emails": ["otra@example.lv"]})
    ).json["id"]
    assert (await admin.delete(f"/v1/contacts/{first}")).status == 204
    await conn.execute(
        "UPDATE contacts SET restore_until = now() - interval '1 second' WHERE id = $1", first
    )
    assert (await admin.post(f"/v1/contacts/{first}/restore")).status == 404
    # The next deletion purges it (with its children).
    assert (await admin.delete(f"/v1/contacts/{second}")).status == 204
    assert await conn.fetchval("SELECT count(*) FROM contacts WHERE id = $1", first) == 0
    assert await conn.fetchval("SELECT count(*) FROM contacts WHERE id = $1", second) == 1


async def test_housekeeping_purges_deletions_past_their_time_without_another_delete(
    services: Pair, admin_token: str, conn: asyncpg.Connection, settings: Settings
) -> None:
    admin = services.directory.as_(admin_token)
    old = (await admin.post("/v1/contacts", json=NEW_CONTACT)).json["id"]
    recent = (
        await admin.post("/v1/contacts", json=NEW_CONTACT | {"emails": ["otra@example.lv"]})
    ).json["id"]
    for contact in (old, recent):
        assert (await admin.delete(f"/v1/contacts/{contact}")).status == 204
    await conn.execute(
        "UPDATE contacts SET restore_until = now() - interval '1 second' WHERE id = $1", old
    )
    app = services.directory.client.app
    deleted = await prune(app[POOL], app[QUERIES], settings, CHORES.steps)
    assert deleted["directory.contacts"] == 1
    assert await conn.fetchval("SELECT count(*) FROM contacts WHERE id = $1", old) == 0
    assert (
        await conn.fetchval("SELECT count(*) FROM contact_phones WHERE contact_id = $1", old) == 0
    )
    # The one still within its time to restore stays, and is restored whole.
    assert (await admin.post(f"/v1/contacts/{recent}/restore")).status in {200, 204}
    assert (await admin.get(f"/v1/contacts/{recent}")).json["emails"] == ["otra@example.lv"]
