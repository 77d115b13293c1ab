"""A campaign's kept delivery counts (migration 020): exact after every kind of change, whichever
release writes the deliveries, kept by folding, and read instead of the deliveries."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.parser import BytesHeaderParser
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack.mailsink import Sink
from services.mailing.housekeeping import CHORES
from services.mailing.keys import POOL, QUERIES
from services.mailing.worker import Worker
from shared.housekeeping import prune
from shared.queries import Queries
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.mailing import returns_corpus as corpus
from tests.ops.previous_release import HERE as PREVIOUS_RELEASE
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST, people, readers, tokens
from tests.support.plans import rows_read

pytestmark = pytest.mark.usefixtures("demo")

COUNTED = (
    "SELECT campaign_id, status, count(*)::int AS n FROM mailing.deliveries "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
KEPT = (
    "SELECT campaign_id, status, sum(n)::int AS n FROM mailing.delivery_counts "
    "GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2"
)


async def same_counts(conn: asyncpg.Connection) -> list[tuple[Any, ...]]:
    """The kept counts equal a real COUNT of the deliveries; that count."""
    real = [tuple(r) for r in await conn.fetch(COUNTED)]
    assert [tuple(r) for r in await conn.fetch(KEPT)] == real
    return real


class Picky(Sink):
    """451 to an address's first try (`later@`), 550 5.1.1 to `gone@`, 552 to those in `full`."""

    def __init__(self) -> None:
        super().__init__()
        self.tried: set[str] = set()
        self.full = {"full@example.ee"}

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        first = address not in self.tried
        self.tried.add(address)
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        if address in self.full:
            return "552 5.2.2 Mailbox full"
        if address.startswith("later@") and first:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@asynccontextmanager
async def worker_running(mailing: Mailing) -> AsyncIterator[None]:
    """A sending worker of the test's own, working until the block ends."""
    app = mailing.api.client.app
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(mailing.settings, app[POOL], app[QUERIES]).run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def finished(conn: asyncpg.Connection, campaign: int) -> None:
    """Wait until the campaign is done."""
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = await conn.fetchval("SELECT status FROM mailing.campaigns WHERE id = $1", campaign)
        if status == "done":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"campaign {campaign} is {status}, not done")


async def progress(mailing: Mailing, token: str, campaign: int) -> dict[str, Any]:
    """The campaign's progress as the API shows it."""
    reply = await mailing.api.as_(token).get(f"/v1/campaigns/{campaign}")
    assert reply.status == 200, reply.text
    shown: dict[str, Any] = reply.json["progress"]
    return shown


async def test_the_kept_delivery_counts_equal_a_count_after_every_kind_of_change(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """Sends, a retry, a refusal (failed) and its resend, a bounce at RCPT and one reported
    later (suppressing), a recipient skipped, an erasure and a campaign's deletion: the delta
    rows sum to a real COUNT after each, the progress shows them, and folding keeps both."""
    picky = Picky()
    mailing = await start_mailing(sink=picky, mailing_worker=False, retry_base=0.2)
    editor, sender = await tokens(make_account)
    api = mailing.api.as_(sender)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    addresses = ["later", "gone", "full", "skip", "a", "b", "c"]
    await people(conn, "ee-uudised", [(f"{a}@example.ee", a, "confirmed") for a in addresses])

    first = await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"})
    first_id = first.json["id"]
    assert (await api.post(f"/v1/campaigns/{first_id}/send")).status == 202
    assert await same_counts(conn) == [(first_id, "queued", 7)]
    # Unsubscribed after the campaign was queued: skipped when its turn comes.
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'unsubscribed' WHERE subscriber_id = "
        "(SELECT id FROM mailing.subscribers WHERE email = 'skip@example.ee')"
    )
    async with worker_running(mailing):
        await finished(conn, first_id)
    await same_counts(conn)
    shown = await progress(mailing, sender, first_id)
    assert {k: shown[k] for k in ("queued", "sending", "sent", "failed", "bounced", "skipped")} == {
        "queued": 0,
        "sending": 0,
        "sent": 4,  # later (on its second try), a, b, c
        "failed": 1,
        "bounced": 1,
        "skipped": 1,
    }

    picky.full.clear()  # the mailbox was emptied: the resend reaches it
    assert (await api.post(f"/v1/campaigns/{first_id}/resend")).status == 202
    await same_counts(conn)
    async with worker_running(mailing):
        await finished(conn, first_id)
    assert [r for r in await same_counts(conn) if r[1] == "sent"] == [(first_id, "sent", 5)]

    # A bounce reported after the message was delivered: sent becomes bounced.
    message = next(m for m in mailing.sink.messages if m.rcpt_to == ["a@example.ee"])
    headers = BytesHeaderParser().parsebytes(message.raw)
    report = corpus.postfix("5.1.1", "550 5.1.1 User unknown")
    report = report.replace(corpus.MESSAGE_ID.encode(), headers["Message-ID"].encode())
    report = report.replace(corpus.TO.encode(), b"a@example.ee")
    intake = await mailing.api.as_(SERVICE_TOKEN).post(
        f"/v1/inbound?to={quote(message.mail_from)}",
        data=report,
        headers={"Content-Type": "message/rfc822"},
    )
    assert intake.json == {"action": "suppressed"}, intake.text
    await same_counts(conn)

    second = await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": "T", "body": "B"})
    second_id = second.json["id"]
    assert (await api.post(f"/v1/campaigns/{second_id}/send")).status == 202
    async with worker_running(mailing):
        await finished(conn, second_id)
    third = await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": "U", "body": "B"})
    third_id = third.json["id"]
    assert (await api.post(f"/v1/campaigns/{third_id}/send")).status == 202  # left queued

    # b erases herself (this release's erasure tallies her deliveries first); c's rows go as
    # the previous release erased (the subscriber deleted, the deliveries by cascade).
    queries = mailing.api.client.app[QUERIES]
    whose = "SELECT id FROM mailing.subscribers WHERE email = $1"
    b, c = [await conn.fetchval(whose, f"{x}@example.ee") for x in ("b", "c")]
    await conn.execute(queries["erase-subscriber"], b)
    await conn.execute("DELETE FROM mailing.subscribers WHERE id = $1", c)
    await conn.execute("DELETE FROM mailing.campaigns WHERE id = $1", second_id)
    real = await same_counts(conn)
    assert {r[0] for r in real} == {first_id, third_id}
    assert (first_id, "bounced", 2) in real
    shown = await progress(mailing, sender, first_id)
    # b's sent message still counts in the campaign's figures (016), c's went without a tally.
    assert (shown["sent"], shown["bounced"], shown["skipped"], shown["failed"]) == (3, 2, 1, 0)
    assert (await progress(mailing, sender, third_id))["queued"] == 2  # later and full

    # Folding: every status's rows into one (the sends of the last minute are kept as they are
    # for the rate while sending; here an hour has passed).
    await conn.execute(
        "UPDATE mailing.delivery_counts SET first_sent = first_sent - interval '1 hour', "
        "last_sent = last_sent - interval '1 hour'"
    )
    before = await progress(mailing, sender, first_id)
    assert before["per_second"] > 0
    rows = await conn.fetchval("SELECT count(*) FROM mailing.delivery_counts")
    assert rows > len(real)
    app = mailing.api.client.app
    folded = await prune(app[POOL], app[QUERIES], mailing.settings, CHORES.steps)
    assert folded["mailing.delivery_counts"] > 0
    assert await same_counts(conn) == real
    assert await conn.fetchval("SELECT count(*) FROM mailing.delivery_counts") == len(real)
    assert await progress(mailing, sender, first_id) == before


async def test_the_previous_release_s_writes_keep_the_counts_exact(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """During a rolling upgrade the previous release's workers write deliveries with their own
    statements (one row at a time, an erasure without a tally) on the new schema: the triggers
    keep the counts exact all the same."""
    mailing = await start_mailing(mailing_worker=False)
    editor, _ = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await readers(conn, "ee-uudised", [f"r{n}@example.ee" for n in range(12)], "Lugeja")
    old = Queries.load(PREVIOUS_RELEASE / "mailing" / "queries", schema="mailing")
    list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-uudised'")
    campaign = await conn.fetchval(old["insert-campaign"], list_id, "S", "B")
    await conn.execute(old["set-campaign-status"], campaign, "sending", None)
    await conn.execute(old["enqueue-recipients"], campaign, list_id)
    assert await same_counts(conn) == [(campaign, "queued", 12)]

    claimed = await conn.fetch(old["claim-deliveries"], "old-worker", 10, 60)
    ids = [r["subscriber_id"] for r in claimed]
    await conn.execute(old["delivery-sent"], campaign, ids[0])
    await conn.execute(old["delivery-retry"], campaign, ids[1], 0, "451 later")
    await conn.execute(old["delivery-failed"], campaign, ids[2], "552 full")
    await conn.execute(old["deliveries-sent"], [campaign] * 4, ids[3:7])
    await conn.execute(old["release-claims"], "old-worker")
    await conn.execute(old["erase-subscriber"], ids[4])
    counts = dict((r[1], r[2]) for r in await same_counts(conn))
    assert counts == {"queued": 6, "sent": 4, "failed": 1}
    shown = await mailing.api.as_(editor).get(f"/v1/campaigns/{campaign}")
    assert shown.json["progress"]["sent"] == 4


async def test_progress_and_the_queue_gauge_read_no_delivery(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """The campaign list (each campaign's progress), one campaign's progress and the worker's
    queue gauge read a few kept rows, however many deliveries there are: counted in the plans
    (EXPLAIN ANALYZE), as rows returned by scans of each table. Before, each read every
    delivery of each campaign."""
    mailing = await start_mailing(mailing_worker=False)
    editor, sender = await tokens(make_account)
    api = mailing.api.as_(sender)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await readers(conn, "ee-uudised", [f"r{n:04d}@example.ee" for n in range(3000)], "Lugeja")
    done = await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"})
    assert (await api.post(f"/v1/campaigns/{done.json['id']}/send")).status == 202
    # Sent, in batches as a worker records them (each batch its own delta rows).
    for part in range(6):
        await conn.execute(
            "UPDATE mailing.deliveries SET status = 'sent', sent_at = now() "
            "WHERE campaign_id = $1 AND subscriber_id % 6 = $2",
            done.json["id"],
            part,
        )
    finish = "UPDATE mailing.campaigns SET status = 'done' WHERE id = $1"
    await conn.execute(finish, done.json["id"])
    waiting = await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": "T", "body": "B"})
    assert (await api.post(f"/v1/campaigns/{waiting.json['id']}/send")).status == 202
    assert (await api.post(f"/v1/campaigns/{waiting.json['id']}/pause")).status == 200
    await conn.execute("ANALYZE mailing.deliveries")
    await conn.execute("ANALYZE mailing.delivery_counts")

    queries = mailing.api.client.app[QUERIES]
    list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-uudised'")
    asked = [
        ("list-campaigns", (list_id,)),
        ("campaign-progress", (done.json["id"],)),
        ("campaign-progress", (waiting.json["id"],)),
        ("queue-depth", ()),
    ]
    for name, args in asked:
        explained = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {queries[name]}", *args)
        plan = json.loads(explained)[0]["Plan"]
        deliveries, _ = rows_read(plan, "deliveries")
        kept, _ = rows_read(plan, "delivery_counts")
        assert deliveries == 0, (name, deliveries)
        assert kept <= 20, (name, kept)

    listed = await api.get("/v1/lists/ee-uudised/campaigns")
    progress = {c["id"]: c["progress"] for c in listed.json["items"]}
    assert progress[done.json["id"]]["sent"] == 3000
    assert progress[waiting.json["id"]]["queued"] == 3000
    gauged = {r["id"]: r["waiting"] for r in await conn.fetch(queries["queue-depth"])}
    assert gauged == {waiting.json["id"]: 3000}
