"""Drill: the directory is down; vcard and mailing refuse what needs it and serve the rest."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.mailing.compose import unsubscribe_url
from services.mailing.links import preferences_url
from services.vcard.app import create_app as create_vcard
from tests.conftest import MakeAccount, demo_contact_id
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, people, tokens

pytestmark = pytest.mark.usefixtures("demo")


def assert_unavailable(status: int, headers: dict[str, str], content_type: str) -> None:
    """503, a problem document, and when to try again."""
    assert status == 503
    assert content_type == "application/problem+json"
    assert int(headers["Retry-After"]) > 0


async def test_without_the_directory_cached_cards_and_unsubscribing_still_work(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    mailing = await start_mailing()
    vcard = TestClient(TestServer(create_vcard(mailing.settings), host="127.0.0.1"))
    await vcard.start_server()
    try:
        editor, _ = await tokens(make_account)
        await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
        await people(conn, "ee-uudised", [("jmk@example.ee", "Jõemets", "confirmed")])
        items = (await mailing.directory.get("/v1/networks/for-in/contacts?limit=100")).json
        kisev = demo_contact_id(items["items"], "Kisevičienė")
        zibas = demo_contact_id(items["items"], "Zibas")
        # Seen once while the directory was up: the vcard service keeps it.
        warm = await vcard.get(f"/v1/contacts/{kisev}.vcf?lang=lt")
        warm_body = await warm.read()
        assert warm.status == 200
        assert (await vcard.get("/v1/networks/ee.vcf")).status == 200
        _, late_token = await make_account("late@example.lv", permissions={"lv": ("read",)})

        await mailing.directory.client.server.close()

        # Cached cards and the cached bulk file are still served, unchanged.
        again = await vcard.get(f"/v1/contacts/{kisev}.vcf?lang=lt")
        assert again.status == 200
        assert await again.read() == warm_body
        assert "Kisevičienė" in warm_body.decode()
        assert (await vcard.get("/v1/networks/ee.vcf")).status == 200
        ready = await vcard.get("/readyz")
        assert (await ready.json())["status"] == "degraded"
        # What was never fetched, and anything that needs a token checked, is a clear 503.
        cold = await vcard.get(f"/v1/contacts/{zibas}.vcf")
        assert_unavailable(cold.status, dict(cold.headers), cold.content_type)
        authed = await vcard.get(
            f"/v1/contacts/{kisev}.vcf", headers={"Authorization": f"Bearer {late_token}"}
        )
        assert_unavailable(authed.status, dict(authed.headers), authed.content_type)
        lists = await mailing.api.client.get(
            "/v1/lists", headers={"Authorization": f"Bearer {late_token}"}
        )
        assert_unavailable(lists.status, dict(lists.headers), lists.content_type)

        # A reader can still leave the list, by one click and on the preferences page.
        list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-uudised'")
        subscriber = await conn.fetchval("SELECT id FROM mailing.subscribers")
        page = await mailing.api.client.get(
            preferences_url(mailing.settings, list_id, subscriber).removeprefix(mailing.base)
        )
        assert page.status == 200
        one_click = await mailing.api.client.post(
            unsubscribe_url(mailing.settings, list_id, subscriber).removeprefix(mailing.base),
            data={"List-Unsubscribe": "One-Click"},
        )
        assert one_click.status == 200
        status = await conn.fetchval(
            "SELECT status FROM mailing.subscriptions WHERE subscriber_id = $1", subscriber
        )
        assert status == "unsubscribed"
        # The subscribe form is the mailing service's own page.
        assert (await mailing.api.client.get("/subscribe/ee-uudised?lang=et")).status == 200
    finally:
        await vcard.close()
