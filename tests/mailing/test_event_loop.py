"""Blocking work kept off the event loop: a slow DNS answer holds up one request, not all."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import MakeAccount
from tests.mailing.conftest import StartMailing
from tests.mailing.test_campaigns import tokens
from tests.mailing.test_subscriptions import EE_LIST
from tests.support.dns import held_dns_as_default

pytestmark = pytest.mark.usefixtures("demo")


async def test_the_service_answers_while_a_deliverability_lookup_waits_for_dns(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    mailing = await start_mailing(mailing_worker=False, email_check_deliverability=True)
    editor, _ = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    with held_dns_as_default() as dns:
        subscribing = asyncio.create_task(
            mailing.api.post(
                "/v1/lists/ee-uudised/subscribe", json={"email": "Aiste@kisevičienė.lt"}
            )
        )
        assert await asyncio.to_thread(dns.asked.wait, 30)  # the lookup is under way, held
        health = await mailing.api.get("/healthz")
        # Answered while the DNS answer was still held: the lookup did not stop the loop.
        assert health.status == 200
        assert not dns.answered.is_set(), "the service answered only once DNS had"
        assert not subscribing.done()
        dns.release.set()
        assert (await subscribing).status == 202
