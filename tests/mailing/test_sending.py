"""The sending worker against real SMTP servers: nothing one address, a sender refusal, a hard
bounce, the budget or a signal does can stall a campaign or send anyone two copies.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from services.mailing.paths import QUERIES_DIR
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST, people, readers, tokens
from tests.support.ports import Reserved
from tests.support.smtp import Recorder, Server, smtp_server
from tests.support.workers import STARTED, said, start_worker, stop_worker

pytestmark = pytest.mark.usefixtures("demo")
SECOND_LIST: dict[str, Any] = EE_LIST | {"slug": "ee-teine", "names": {"et": "Teine leht"}}


async def campaign(mailing: Mailing, editor: str, slug: str = "ee-uudised") -> int:
    """A draft campaign on `slug`."""
    created = await mailing.api.as_(editor).post(
        f"/v1/lists/{slug}/campaigns", json={"subject": "Uudised, {name}", "body": "Tere!"}
    )
    assert created.status == 201, created.text
    return int(created.json["id"])


async def wait_status(
    mailing: Mailing, token: str, campaign_id: int, status: str, seconds: float = 60
) -> dict[str, Any]:
    """Poll until the campaign reaches `status`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = await mailing.api.as_(token).get(f"/v1/campaigns/{campaign_id}")
        if reply.json["status"] == status:
            found: dict[str, Any] = reply.json
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"campaign {campaign_id} is not {status}: {reply.json}")


async def wait_settled(
    mailing: Mailing, token: str, campaign_id: int, seconds: float = 30
) -> dict[str, Any]:
    """Poll until no delivery of the campaign is claimed (progress.sending is 0)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = await mailing.api.as_(token).get(f"/v1/campaigns/{campaign_id}")
        if reply.json["progress"]["sending"] == 0:
            found: dict[str, Any] = reply.json
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"campaign {campaign_id} keeps deliveries claimed: {reply.json}")


@dataclass
class Sending:
    """Services sending to a test's relay, and a campaign to a list of addresses, started."""

    mailing: Mailing
    sender: str
    campaign: int


async def sending(
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    relay: Server,
    addresses: list[str],
    **changes: Any,
) -> Sending:
    """Start the services against `relay`, subscribe `addresses` and send them a campaign."""
    mailing = await start_mailing(smtp_url=relay.url(), **changes)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await readers(conn, "ee-uudised", addresses, "X")
    first = await campaign(mailing, editor)
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/send")).status == 202
    return Sending(mailing, sender, first)


def counted(recorder: Recorder) -> Counter[str]:
    """How many messages each address got, by the server's own count."""
    return Counter(r for m in recorder.received for r in m.rcpt_to)


async def test_one_poisoned_address_stalls_neither_its_campaign_nor_another_list(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    async with smtp_server(smtputf8=False, eightbit=False) as relay:
        mailing = await start_mailing(smtp_url=relay.url(), smtp_pool=8)
        editor, sender = await tokens(make_account)
        await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
        await mailing.api.as_(editor).post("/v1/lists", json=SECOND_LIST)
        addresses = [f"lugeja{i:03d}@example.ee" for i in range(998)] + ["liga@piemērs.lv"]
        await readers(conn, "ee-uudised", addresses, "Jõemets")
        # A stranger's subscription that no server without SMTPUTF8 can carry.
        await people(conn, "ee-uudised", [("jānis@piemērs.lv", "Jānis", "confirmed")])
        await people(
            conn, "ee-teine", [(f"teine{i}@example.ee", "T", "confirmed") for i in range(5)]
        )
        first = await campaign(mailing, editor)
        second = await campaign(mailing, editor, "ee-teine")
        assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/send")).status == 202
        assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{second}/send")).status == 202
        done = await wait_done(mailing, sender, first, seconds=150)
        other = await wait_done(mailing, sender, second)
        assert done["progress"]["sent"] == 999
        assert done["progress"]["failed"] == 1
        assert other["progress"]["sent"] == 5
        reason = await conn.fetchval(
            "SELECT d.last_error FROM mailing.deliveries d JOIN mailing.subscribers b "
            "ON b.id = d.subscriber_id WHERE b.email = 'jānis@piemērs.lv'"
        )
        assert "SMTPUTF8" in reason
        got = counted(relay.handler)
        assert got["liga@xn--piemrs-s3a.lv"] == 1
        assert set(got.values()) == {1}
        assert len(got) == 1004


async def test_a_quota_refusal_pauses_and_resume_sends_exactly_the_rest(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    quota = Recorder(mail_reply="550 5.4.5 Daily user sending quota exceeded", mail_ok=5)
    async with smtp_server(quota) as relay:
        addresses = [f"lugeja{i:02d}@example.ee" for i in range(12)]
        run = await sending(start_mailing, make_account, conn, relay, addresses, smtp_pool=1)
        mailing, sender, first = run.mailing, run.sender, run.campaign
        paused = await wait_status(mailing, sender, first, "paused")
        # Deliveries of the paused batch still waiting for their moment go back as they wake.
        paused = await wait_settled(mailing, sender, first)
        assert "5.4.5" in paused["paused_reason"]
        assert "quota" in paused["paused_reason"]
        assert paused["progress"]["sent"] == 5
        assert paused["progress"]["failed"] == 0
        assert paused["progress"]["queued"] == 7
        # The quota is lifted; resuming sends exactly the ones not yet sent.
        quota.mail_reply = None
        resumed = await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/resume")
        assert resumed.status == 200
        assert resumed.json["paused_reason"] is None
        done = await wait_done(mailing, sender, first)
        assert done["progress"]["sent"] == 12
        got = counted(relay.handler)
        assert sorted(got) == addresses
        assert set(got.values()) == {1}


async def test_a_hard_bounce_at_rcpt_suppresses_the_address_for_every_list(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    unknown = Recorder(
        rcpt_replies={"gone@example.ee": "550 5.1.1 <gone@example.ee>: User unknown"}
    )
    async with smtp_server(unknown) as relay:
        mailing = await start_mailing(smtp_url=relay.url())
        editor, sender = await tokens(make_account)
        await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
        await mailing.api.as_(editor).post("/v1/lists", json=SECOND_LIST)
        await people(
            conn,
            "ee-uudised",
            [("gone@example.ee", "G", "confirmed"), ("a@example.ee", "A", "confirmed")],
        )
        second_list = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-teine'")
        gone = await conn.fetchval(
            "SELECT id FROM mailing.subscribers WHERE email = 'gone@example.ee'"
        )
        await conn.execute(
            "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
            "VALUES ($1, $2, 'confirmed', 'et')",
            second_list,
            gone,
        )
        await people(conn, "ee-teine", [("b@example.ee", "B", "confirmed")])
        first = await campaign(mailing, editor)
        await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/send")
        done = await wait_done(mailing, sender, first)
        assert done["progress"]["bounced"] == 1
        assert done["progress"]["sent"] == 1
        suppressed = await conn.fetchval(
            "SELECT reason FROM mailing.suppressions WHERE address = 'gone@example.ee'"
        )
        assert suppressed == "hard-bounce"
        # The next campaign, on the other list, does not try the address at all.
        tries_before = len(relay.handler.received)
        later = await campaign(mailing, editor, "ee-teine")
        await mailing.api.as_(sender).post(f"/v1/campaigns/{later}/send")
        after = await wait_done(mailing, sender, later)
        assert after["progress"]["sent"] == 1
        assert after["progress"]["bounced"] == 0
        assert [m.rcpt_to for m in relay.handler.received[tries_before:]] == [["b@example.ee"]]


async def test_failed_recipients_are_sent_again_and_nobody_else(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    full = Recorder(rcpt_replies={"full@example.ee": "552 5.2.2 Mailbox full"})
    async with smtp_server(full) as relay:
        mailing = await start_mailing(smtp_url=relay.url())
        editor, sender = await tokens(make_account)
        await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
        await readers(conn, "ee-uudised", ["full@example.ee", "a@example.ee", "b@example.ee"], "X")
        first = await campaign(mailing, editor)
        assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/resend")).status == 409
        await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/send")
        done = await wait_done(mailing, sender, first)
        assert (done["progress"]["sent"], done["progress"]["failed"]) == (2, 1)
        full.rcpt_replies.clear()  # the mailbox was emptied
        again = await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/resend")
        assert again.status == 202
        done = await wait_done(mailing, sender, first)
        assert (done["progress"]["sent"], done["progress"]["failed"]) == (3, 0)
        got = counted(relay.handler)
        assert got == Counter({"full@example.ee": 1, "a@example.ee": 1, "b@example.ee": 1})
        assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/resend")).status == 409


async def test_progress_counts_skipped_recipients_and_the_real_rate(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    async with smtp_server() as relay:
        addresses = [f"lugeja{i:03d}@example.ee" for i in range(300)]
        run = await sending(
            start_mailing, make_account, conn, relay, addresses, mailing_worker=False
        )
        mailing, sender, first = run.mailing, run.sender, run.campaign
        # Two people unsubscribe after the campaign was queued, before it is sent.
        await conn.execute(
            "UPDATE mailing.subscriptions s SET status = 'unsubscribed' FROM mailing.subscribers b "
            "WHERE b.id = s.subscriber_id AND b.email = ANY($1::text[])",
            ["lugeja007@example.ee", "lugeja008@example.ee"],
        )
        worker = await start_worker(mailing)
        try:
            done = await wait_done(mailing, sender, first)
        finally:
            await stop_worker(worker)
        progress = done["progress"]
        assert (progress["sent"], progress["skipped"], progress["failed"]) == (298, 2, 0)
        span = await conn.fetchval(
            "SELECT extract(epoch FROM max(sent_at) - min(sent_at)) FROM mailing.deliveries "
            "WHERE campaign_id = $1",
            first,
        )
        assert progress["per_second"] == pytest.approx(298 / float(span), rel=0.02)
        assert len(relay.handler.received) == 298


@pytest.fixture(autouse=True)
async def no_worker_left() -> AsyncIterator[None]:
    """Whatever a test did, the worker processes it started are gone after it."""
    yield
    while STARTED:
        await stop_worker(STARTED.pop())


@pytest.mark.timeout(240)
async def test_two_workers_share_one_hourly_budget_and_nobody_gets_two_copies(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    async with smtp_server() as relay:
        addresses = [f"lugeja{i:02d}@example.ee" for i in range(60)]
        run = await sending(
            start_mailing, make_account, conn, relay, addresses, mailing_worker=False
        )
        mailing, first = run.mailing, run.campaign
        limits = {"send_hourly": "20", "lease_seconds": "2", "smtp_pool": "2"}
        workers = [await start_worker(mailing, **limits) for _ in range(2)]
        deadline = time.monotonic() + 60
        while len(relay.handler.received) < 20 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        # Both wait for the hour's budget now, holding no claim: nothing more can slip through.
        for worker in workers:
            await said(worker, "waiting for the send budget")
        for worker in workers:
            await stop_worker(worker)
        # A restart does not reset the budget: two fresh workers try, and send nothing more.
        workers = [await start_worker(mailing, **limits) for _ in range(2)]
        for worker in workers:
            await said(worker, "waiting for the send budget")
        for worker in workers:
            await stop_worker(worker)
        got = counted(relay.handler)
        assert sum(got.values()) == 20
        assert set(got.values()) == {1}
        ledger = await conn.fetchval(
            "SELECT count(*) FROM mailing.deliveries WHERE campaign_id = $1 AND status = 'sent'",
            first,
        )
        assert ledger == 20
        # Nothing is left claimed: waiting workers held no claim, stopped ones gave theirs back.
        claimed = await conn.fetchval(
            "SELECT count(*) FROM mailing.deliveries WHERE status = 'sending'"
        )
        assert claimed == 0


@pytest.mark.timeout(180)
async def test_two_workers_keep_to_one_rate_per_second(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    async with smtp_server() as relay:
        addresses = [f"l{i:02d}@example.ee" for i in range(41)]
        run = await sending(
            start_mailing, make_account, conn, relay, addresses, mailing_worker=False
        )
        mailing, sender, first = run.mailing, run.sender, run.campaign
        workers = [await start_worker(mailing, send_rate="10") for _ in range(2)]
        try:
            await wait_done(mailing, sender, first, seconds=120)
        finally:
            for worker in workers:
                await stop_worker(worker)
        times = await conn.fetch(
            "SELECT sent_at FROM mailing.deliveries WHERE campaign_id = $1 ORDER BY sent_at", first
        )
        # 41 sends spaced 1/10 s apart take four seconds (two workers each at 10/s, as
        # before, took two). A busy machine only delays sends, and the first ones most (they
        # open the connections), which shortens the span: hence the margin.
        span = (times[-1]["sent_at"] - times[0]["sent_at"]).total_seconds()
        assert span >= 3.0
        assert len(relay.handler.received) == 41


@pytest.mark.timeout(120)
async def test_sigterm_stops_a_worker_waiting_for_budget(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    async with smtp_server() as relay:
        addresses = [f"l{i}@example.ee" for i in range(10)]
        run = await sending(
            start_mailing, make_account, conn, relay, addresses, mailing_worker=False
        )
        mailing = run.mailing
        worker = await start_worker(mailing, send_hourly="2")
        deadline = time.monotonic() + 60
        while len(relay.handler.received) < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await said(worker, "waiting for the send budget")  # for about an hour
        worker.send_signal(signal.SIGTERM)
        # A deadline, not a speed: the old worker slept through SIGTERM for up to an hour.
        await asyncio.wait_for(worker.wait(), 10)
        assert worker.returncode == 0
        assert len(relay.handler.received) == 2
        claimed = await conn.fetchval(
            "SELECT count(*) FROM mailing.deliveries WHERE status = 'sending'"
        )
        assert claimed == 0


async def test_a_scheduled_start_is_one_step_however_workers_race_or_die(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection, db_url: str
) -> None:
    from shared.queries import Queries

    start = Queries.load(QUERIES_DIR)["start-campaigns"]
    mailing = await start_mailing(mailing_worker=False)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await readers(conn, "ee-uudised", [f"l{i:03d}@example.ee" for i in range(200)], "X")
    first = await campaign(mailing, editor)
    # Set-up: the campaign was scheduled and its time has come (the API refuses past times).
    await conn.execute(
        "UPDATE mailing.campaigns SET status = 'scheduled', scheduled_at = now() - interval '1 s' "
        "WHERE id = $1",
        first,
    )
    # A worker dies between starting and committing: nothing of it remains.
    dying = await asyncpg.connect(db_url)
    tx = dying.transaction()
    await tx.start()
    await dying.execute(start, None)
    dying.terminate()
    status = await conn.fetchval("SELECT status FROM mailing.campaigns WHERE id = $1", first)
    assert status == "scheduled"
    assert await conn.fetchval("SELECT count(*) FROM mailing.deliveries") == 0
    # Two workers race: the campaign starts once, with every recipient.
    racers = [await asyncpg.connect(db_url) for _ in range(2)]
    try:
        await asyncio.gather(*(r.execute(start, None) for r in racers))
    finally:
        for r in racers:
            await r.close()
    assert await conn.fetchval("SELECT count(*) FROM mailing.deliveries") == 200
    worker = await start_worker(mailing)
    try:
        done = await wait_done(mailing, sender, first)
    finally:
        await stop_worker(worker)
    assert done["progress"]["sent"] == 200
    assert len(mailing.sink.messages) == 200


async def test_schedules_people_cannot_get_wrong(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    first = await campaign(mailing, editor)
    send = f"/v1/campaigns/{first}/send"
    for body in [
        {"at": "2020-03-01T09:00:00+02:00"},  # long past
        {"at": "2026-01-10T09:00[Europe/Riga]"},  # past, with a zone
        {"at": "2027-11-30T09:00+03:00[Europe/Riga]"},  # summer offset in November
        {"at": "2027-03-28T03:30[Europe/Riga]"},  # the hour the clocks skip
        {"at": "2027-10-31T03:30[Europe/Riga]"},  # the hour they pass twice: which one?
        {"at": "2027-01-01T09:00"},  # no zone at all
        {"at": "2027-01-01T09:00[Europe/Atlantis]"},
        {"at": "tomorrow"},
    ]:
        refused = await mailing.api.as_(sender).post(send, json=body)
        assert refused.status == 422, body
        assert refused.problem_fields() == ["at"], body
    bad_zone = await mailing.api.as_(sender).post(
        send, json={"at": "2027-01-01T09:00", "zone": "Riga"}
    )
    assert bad_zone.problem_fields() == ["zone"]
    # Across the spring change in Riga (28 March 2027): 09:00 is 07:00 UTC, then 06:00 UTC.
    checked = await mailing.api.as_(sender).post(
        send, json={"at": "2027-03-27T09:00", "zone": "Europe/Riga", "check": True}
    )
    assert checked.status == 200
    assert checked.json["at"] == "2027-03-27T07:00:00+00:00"
    assert checked.json["local"] == "2027-03-27T09:00:00+02:00"
    assert checked.json["recipients"] == checked.json["suppressed"] == 0
    scheduled = await mailing.api.as_(sender).post(
        send, json={"at": "2027-03-28T09:00[Europe/Riga]"}
    )
    assert scheduled.status == 202
    assert scheduled.json["status"] == "scheduled"
    assert scheduled.json["scheduled_at"] == "2027-03-28T06:00:00+00:00"
    # The hour the clocks pass twice (31 October 2027): its offset says which, either one.
    for offset, utc in (("+03:00", "00:30"), ("+02:00", "01:30")):
        twice = await mailing.api.as_(sender).post(
            send,
            json={"at": f"2027-10-31T03:30{offset}[Europe/Riga]", "check": True},
        )
        assert twice.status == 200, twice.text
        assert twice.json["at"] == f"2027-10-31T{utc}:00+00:00"


# Each refusal of a schedule, in each language: never the English sentence, and its time
# written the language's way (CLDR's medium date and short time, written here by hand).
SCHEDULE_REFUSALS = {
    "2020-03-01T09:00:00+02:00": {
        "lv": "ir pagātnē (2020. gada 1. marts 09:00 GMT+02:00); izvēlieties vēlāku laiku",
        "lt": "yra praeityje (2020-03-01 09:00 GMT+02:00); pasirinkite vėlesnį laiką",
        "en": "is in the past (Mar 1, 2020, 9:00\u202fAM GMT+02:00); choose a later time",
    },
    "2027-03-28T03:30[Europe/Riga]": {
        "et": "28. märts 2027 03:30 ei ole ajavööndis Europe/Riga olemas: siis keeratakse kell "
        "tunni võrra edasi. Valige muu aeg, näiteks 28. märts 2027 04:30 Europe/Riga",
    },
    "2027-10-31T03:30[Europe/Riga]": {
        "en": "Oct 31, 2027, 3:30\u202fAM happens twice in Europe/Riga: the clocks go back an "
        "hour then. Give its offset: +03:00 is the first, +02:00 an hour later",
    },
    "2027-11-30T09:00+03:00[Europe/Riga]": {},
    "2027-01-01T09:00": {},
    "2027-01-01T09:00[Europe/Atlantis]": {"lv": "'Europe/Atlantis' nav IANA laika josla"},
    "tomorrow": {"lt": "turi būti ISO 8601 laikas, pvz., 2026-12-01T09:00[Europe/Riga]"},
    "": {},
}


async def test_schedule_refusals_are_in_the_readers_language(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    send = f"/v1/campaigns/{await campaign(mailing, editor)}/send"
    for at, expected in SCHEDULE_REFUSALS.items():
        said = {}
        for lang in ("en", "et", "lv", "lt"):
            refused = await mailing.api.as_(sender).post(
                send, json={"at": at}, headers={"Accept-Language": lang}
            )
            assert refused.status == 422, (at, lang)
            (error,) = refused.json["errors"]
            said[lang] = error["message"]
        assert len(set(said.values())) == 4, (at, said)  # none left in English
        for lang, text in expected.items():
            assert said[lang] == text, (at, lang, said)
    zone = await mailing.api.as_(sender).post(
        send, json={"at": "2027-01-01T09:00", "zone": 7}, headers={"Accept-Language": "lt"}
    )
    assert zone.json["errors"] == [
        {
            "field": "zone",
            "message": "turi būti IANA laiko juostos pavadinimas, pvz., Europe/Vilnius",
        }
    ]


async def test_a_relay_that_stays_down_pauses_the_campaign_and_costs_nobody_an_attempt(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    down = Reserved()  # bound, not listening: the relay is down
    mailing = await start_mailing(
        smtp_url=f"smtp://127.0.0.1:{down.port}", retry_base=0.2, relay_patience=2
    )
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    addresses = ["a@example.ee", "b@example.ee", "c@example.ee"]
    await readers(conn, "ee-uudised", addresses, "X")
    first = await campaign(mailing, editor)
    await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/send")
    paused = await wait_status(mailing, sender, first, "paused")
    assert "has not taken mail" in paused["paused_reason"]
    assert (paused["progress"]["queued"], paused["progress"]["failed"]) == (3, 0)
    attempts = await conn.fetchval("SELECT max(attempts) FROM mailing.deliveries")
    assert attempts == 0
    async with smtp_server(reserved=down) as relay:
        await mailing.api.as_(sender).post(f"/v1/campaigns/{first}/resume")
        done = await wait_done(mailing, sender, first)
        assert done["progress"]["sent"] == 3
        assert sorted(counted(relay.handler)) == addresses
