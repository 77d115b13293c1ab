"""The directory answers while a contact's deliverability check waits for DNS."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app
from shared.settings import Settings
from tests.support.contacts import NEW_CONTACT
from tests.support.dns import held_dns_as_default

pytestmark = pytest.mark.usefixtures("demo")


async def test_the_directory_answers_while_a_deliverability_lookup_waits_for_dns(
    settings: Settings, admin_token: str
) -> None:
    client = TestClient(
        TestServer(create_app(settings.replace(email_check_deliverability=True)), port=0)
    )
    await client.start_server()
    try:
        with held_dns_as_default() as dns:
            creating = asyncio.create_task(
                client.post(
                    "/v1/contacts",
                    json=NEW_CONTACT,
                    headers={"Authorization": f"Bearer {admin_token}"},
                )
            )
            assert await asyncio.to_thread(dns.asked.wait, 30)  # the lookup is under way, held
            health = await client.get("/healthz")
            assert health.status == 200
            # Answered while the DNS answer was still held: the lookup did not stop the loop.
            assert not dns.answered.is_set(), "the directory answered only once DNS had"
            assert not creating.done()
            dns.release.set()
            created = await creating
            assert created.status == 201, await created.text()
    finally:
        await client.close()
