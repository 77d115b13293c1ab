"""Check-then-write races: the check is in the statement that writes, so the loser is told."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest

from services.mailing.paths import QUERY_FOLDERS, SCHEMA
from services.mailing.worker import finish_campaigns
from shared.queries import Queries
from tests.conftest import MakeAccount
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST, tokens
from tests.support.races import row_held

pytestmark = pytest.mark.usefixtures("demo")
LOCK_CAMPAIGN = "SELECT 1 FROM mailing.campaigns WHERE id = $1 FOR UPDATE"
LOCK_LIST = "SELECT 1 FROM mailing.lists WHERE slug = $1 FOR UPDATE"
LOCK_FAILED = (
    "SELECT 1 FROM mailing.deliveries WHERE campaign_id = $1 AND status = 'failed' FOR UPDATE"
)


async def test_an_edit_racing_a_send_changes_nothing_once_it_is_sent(
    mailing: Mailing, make_account: MakeAccount, db_url: str
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    created = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Sent as written", "body": "B"}
    )
    campaign = created.json["id"]
    async with row_held(mailing.settings.database_url or db_url, LOCK_CAMPAIGN, campaign) as wait:
        send = asyncio.create_task(mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send"))
        await wait(1)  # the send waits to write
        edit = asyncio.create_task(
            mailing.api.as_(editor).patch(f"/v1/campaigns/{campaign}", json={"subject": "Late"})
        )
        await wait(2)  # the edit has read a draft and waits to write
    sent, edited = await send, await edit
    assert sent.status == 202
    assert edited.status == 409, edited.text
    after = await mailing.api.as_(editor).get(f"/v1/campaigns/{campaign}")
    assert after.json["subject"] == "Sent as written"
    assert after.json["revision"] == created.json["revision"]


async def test_two_edits_of_one_list_revision_one_wins_the_other_is_told(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    revision = (await api.post("/v1/lists", json=EE_LIST)).json["revision"]
    url = mailing.settings.database_url or ""
    async with row_held(url, LOCK_LIST, "ee-uudised") as wait:
        first = asyncio.create_task(
            api.patch("/v1/lists/ee-uudised", json={"from_name": "Mari", "revision": revision})
        )
        await wait(1)
        second = asyncio.create_task(
            api.patch("/v1/lists/ee-uudised", json={"from_name": "Jüri", "revision": revision})
        )
        await wait(2)
    replies = {(await first).status: "Mari", (await second).status: "Jüri"}
    assert sorted(replies) == [200, 409]
    stored = (await api.get("/v1/lists/ee-uudised")).json
    assert stored["from_name"] == replies[200]
    assert stored["revision"] == revision + 1


async def test_two_edits_of_different_list_fields_both_stay(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    names = {"et": "Uudiskiri Kisevičienė", "en": "Newsletter"}
    async with row_held(mailing.settings.database_url or "", LOCK_LIST, "ee-uudised") as wait:
        sender = asyncio.create_task(api.patch("/v1/lists/ee-uudised", json={"from_name": "Mari"}))
        await wait(1)
        renamed = asyncio.create_task(api.patch("/v1/lists/ee-uudised", json={"names": names}))
        await wait(2)
    assert [(await sender).status, (await renamed).status] == [200, 200]
    stored = (await api.get("/v1/lists/ee-uudised")).json
    assert stored["from_name"] == "Mari"
    assert stored["names"] == names


async def test_two_edits_of_one_campaign_revision_one_wins_the_other_is_told(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    created = await api.post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Kutse", "body": "Tere"}
    )
    campaign, revision = created.json["id"], created.json["revision"]
    url = mailing.settings.database_url or ""
    async with row_held(url, LOCK_CAMPAIGN, campaign) as wait:
        first = asyncio.create_task(
            api.patch(f"/v1/campaigns/{campaign}", json={"subject": "Mari", "revision": revision})
        )
        await wait(1)
        second = asyncio.create_task(
            api.patch(f"/v1/campaigns/{campaign}", json={"subject": "Jüri", "revision": revision})
        )
        await wait(2)
    replies = {(await first).status: "Mari", (await second).status: "Jüri"}
    assert sorted(replies) == [200, 409]
    stored = (await api.get(f"/v1/campaigns/{campaign}")).json
    assert stored["subject"] == replies[200]
    assert stored["revision"] == revision + 1


async def test_a_resend_racing_the_worker_finishing_leaves_the_campaign_sending(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """Resend requeues under the campaign's lock while the worker asks "anything queued?"."""
    mailing = await start_mailing(mailing_worker=False)
    url = mailing.settings.database_url or ""
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    created = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
    )
    campaign = created.json["id"]
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")).status == 202
    # Set-up: the campaign's only delivery failed, as the worker records it; nothing is queued.
    subscriber = await conn.fetchval(
        "INSERT INTO mailing.subscribers (email) VALUES ('taas@example.ee') RETURNING id"
    )
    await conn.execute(
        "INSERT INTO mailing.deliveries (campaign_id, subscriber_id, status, attempts,"
        " last_error) VALUES ($1, $2, 'failed', 1, '552 5.2.2 Mailbox full (at RCPT)')",
        campaign,
        subscriber,
    )
    queries = Queries.load(*QUERY_FOLDERS, schema=SCHEMA)
    worker = await asyncpg.connect(url)
    try:
        async with row_held(url, LOCK_FAILED, campaign) as wait:
            resend = asyncio.create_task(
                mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/resend")
            )
            await wait(1)  # the resend holds the campaign and waits to requeue the delivery
            finishing = asyncio.create_task(finish_campaigns(worker, queries))
            waited = asyncio.ensure_future(wait(2))
            # The worker's round either passes the campaign by or waits for the resend.
            await asyncio.wait({finishing, waited}, return_when=asyncio.FIRST_COMPLETED)
            waited.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waited
        assert (await resend).status == 202
        await finishing
        state = await conn.fetchrow(
            "SELECT c.status, count(*) FILTER (WHERE d.status = 'queued') AS queued"
            "  FROM mailing.campaigns c JOIN mailing.deliveries d ON d.campaign_id = c.id"
            " WHERE c.id = $1 GROUP BY c.status",
            campaign,
        )
        assert state is not None
        assert (state["status"], state["queued"]) == ("sending", 1)
        # The next round sees the requeued delivery: the campaign still is not done.
        assert await finish_campaigns(worker, queries) == []
    finally:
        await worker.close()
