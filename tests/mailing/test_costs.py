"""Work per request that does not grow with the data: member pages, the campaign list."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from asyncpg.connection import LoggedQuery

from devstack.mailsink import Sink
from services.mailing.housekeeping import CHORES
from services.mailing.keys import POOL, QUERIES
from services.mailing.worker import QUEUE_GAUGE_SECONDS, Worker
from shared.housekeeping import prune
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.forms import subscribe_by_form
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, people, readers, tokens
from tests.support.observe import statements_in_requests
from tests.support.plans import rows_read

pytestmark = pytest.mark.usefixtures("demo")


async def test_members_are_searched_and_paged_by_the_database(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    mailing = await start_mailing(mailing_worker=False)
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    await readers(conn, "ee-uudised", [f"r{n:03d}@example.ee" for n in range(230)], "Lugeja")
    await readers(conn, "ee-uudised", ["Aiste@Example.LT", "zz@example.lv"], "Aistė Kisevičienė")

    seen: list[str] = []
    after = None
    while True:
        page = await api.get(
            "/v1/lists/ee-uudised/members",
            params={"limit": "100"} | ({"after": after} if after else {}),
        )
        assert page.status == 200, page.text
        assert len(page.json["items"]) <= 100
        seen += [m["email"] for m in page.json["items"]]
        after = page.json["next"]
        if after is None:
            break
    assert len(seen) == 232 == len(set(seen))  # every member once, over three pages
    assert seen == sorted(seen, key=str.lower)

    found = await api.get("/v1/lists/ee-uudised/members", params={"q": "KISEVIČ", "limit": "1"})
    assert [m["name"] for m in found.json["items"]] == ["Aistė Kisevičienė"]
    rest = await api.get(
        "/v1/lists/ee-uudised/members",
        params={"q": "kisevič", "limit": "1", "after": found.json["next"]},
    )
    assert [m["email"] for m in rest.json["items"]] == ["zz@example.lv"]
    assert rest.json["next"] is None
    for bad in ({"limit": "0"}, {"limit": "²"}, {"limit": "501"}, {"status": "gone"}):
        reply = await api.get("/v1/lists/ee-uudised/members", params=bad)
        assert reply.problem_fields() == list(bad), bad


async def test_the_campaign_list_reads_every_progress_in_one_statement(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    mailing = await start_mailing(mailing_worker=False)
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    pool = mailing.api.client.app[POOL]

    async def listed() -> tuple[int, list[str]]:
        async with statements_in_requests(pool) as statements:
            reply = await api.get("/v1/lists/ee-uudised/campaigns")
        assert reply.status == 200
        return len(reply.json["items"]), statements

    await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": "1", "body": "B"})
    one = await listed()
    for n in range(4):
        await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": f"{n}", "body": "B"})
    five = await listed()
    assert (one[0], five[0]) == (1, 5)
    assert len(five[1]) == len(one[1])  # not one more statement per campaign
    assert all(
        p["progress"]["queued"] == 0
        for p in (await api.get("/v1/lists/ee-uudised/campaigns")).json["items"]
    )


class Refusing(Sink):
    """A server that refuses (552, mailbox full) the addresses in `refused` while they are there."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = {"moved@example.ee"}

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "552 5.2.2 Mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_the_worker_builds_a_campaign_again_once_its_sender_changed(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    refusing = Refusing()
    mailing = await start_mailing(sink=refusing)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await people(
        conn,
        "ee-uudised",
        [("fine@example.ee", "", "confirmed"), ("moved@example.ee", "", "confirmed")],
    )
    made = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
    )
    campaign = made.json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    assert (await wait_done(mailing, sender, campaign))["progress"]["failed"] == 1
    # The coordinator fixes the address's problem and the sender's name, then sends again.
    renamed = await mailing.api.as_(editor).patch(
        "/v1/lists/ee-uudised", json={"from_name": "Aistė Kisevičienė"}
    )
    assert renamed.status == 200
    refusing.refused.clear()
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/resend")).status == 202
    await wait_done(mailing, sender, campaign)
    froms = {m.rcpt_to[0]: m.summary()["from"] for m in refusing.messages}
    assert "Madis Kanarbik" in froms["fine@example.ee"]
    assert "Aistė Kisevičienė" in froms["moved@example.ee"], froms


async def test_the_public_pages_of_a_list_never_count_its_subscribers(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """The subscribe form and its POST read the list without counting who is on it (a count
    per public request grows with the list); the coordinator's view still shows the count."""
    mailing = await start_mailing()
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    await readers(conn, "ee-uudised", [f"r{n:03d}@example.ee" for n in range(20)], "Lugeja")
    pool = mailing.api.client.app[POOL]
    async with statements_in_requests(pool) as statements:
        await subscribe_by_form(mailing, "ee-uudised", "uus@example.ee")
    assert statements, "the form's requests ran no statement at all?"
    counting = [s for s in statements if "count(" in s.lower()]
    assert not counting, counting

    shown = await api.get("/v1/lists/ee-uudised")
    assert (shown.json["confirmed"], shown.json["counts"]["confirmed"]) == (20, 20)
    assert shown.json["counts"]["pending"] == 1
    listed = await api.get("/v1/lists")
    assert [x["confirmed"] for x in listed.json["items"] if x["slug"] == "ee-uudised"] == [20]


async def test_a_members_page_reads_a_page_of_its_own_list_beside_a_big_one(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """The first page of a small list, a middle page of a big one and a search read about a
    page of subscriptions through the list's own index (no Seq Scan), counted with EXPLAIN
    ANALYZE: before, the small list's first page walked every subscriber's address."""
    mailing = await start_mailing(mailing_worker=False)
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    await api.post("/v1/lists", json=EE_LIST | {"slug": "ee-vaike"})
    # The big list's addresses sort before the small list's: walking all addresses in order
    # reaches the small list's only after every one of them.
    await readers(conn, "ee-uudised", [f"a{n:05d}@example.ee" for n in range(4000)], "Lugeja")
    await readers(conn, "ee-vaike", [f"z{n:02d}_x@example.ee" for n in range(30)], "Mari Jõemets")
    await conn.execute("ANALYZE mailing.subscriptions")
    await conn.execute("ANALYZE mailing.subscribers")
    queries = mailing.api.client.app[QUERIES]
    small, big = [
        await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = $1", slug)
        for slug in ("ee-vaike", "ee-uudised")
    ]
    asked = [
        ("list-members", small, None, None, None),
        ("list-members", small, "confirmed", None, None),
        ("list-members", big, None, None, "a02000@example.ee"),
        ("list-members", big, "confirmed", None, "a03000@example.ee"),
        ("search-members", small, None, "jõemets", None),
    ]
    for name, list_id, status, typed, after in asked:
        async with conn.transaction():
            await conn.execute(queries["plan-each-time"])
            explained = await conn.fetchval(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {queries[name]}",
                list_id,
                status,
                typed,
                after,
                11,
            )
        plan = json.loads(explained)[0]["Plan"]
        rows, kinds = rows_read(plan, "subscriptions")
        assert "Seq Scan" not in kinds, (name, status, after, kinds)
        assert rows <= 40, (name, status, after, rows)

    # The pages themselves: a small list's members by address; a search's words split at
    # punctuation as the addresses' are, each beginning a word (since 021: before, '0_X'
    # matched inside 'z00_x' as a substring, its '_' escaped from LIKE).
    first = await api.get("/v1/lists/ee-vaike/members", params={"limit": "5"})
    assert [m["email"] for m in first.json["items"]] == [f"z{n:02d}_x@example.ee" for n in range(5)]
    underscored = await api.get("/v1/lists/ee-vaike/members", params={"q": "Z2_X", "limit": "50"})
    assert [m["email"] for m in underscored.json["items"]] == [
        f"z2{n}_x@example.ee" for n in range(10)
    ]
    percent = await api.get("/v1/lists/ee-vaike/members", params={"q": "%"})
    assert percent.json["items"] == []
    named = await api.get("/v1/lists/ee-vaike/members", params={"q": "JÕEMETS", "limit": "2"})
    assert len(named.json["items"]) == 2
    assert named.json["next"] == "z01_x@example.ee"


async def test_the_worker_counts_its_queues_rarely_not_at_every_step(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """The queue-depth gauge reads every waiting delivery of the sending and paused campaigns:
    a worker counts it at its first step and when a campaign starts or finishes, else every
    QUEUE_GAUGE_SECONDS, not at each of its five steps a second."""
    mailing = await start_mailing(mailing_worker=False)
    editor, sender = await tokens(make_account)
    api = mailing.api.as_(sender)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await readers(conn, "ee-uudised", [f"r{n:03d}@example.ee" for n in range(30)], "Lugeja")
    paused = await api.post("/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"})
    assert (await api.post(f"/v1/campaigns/{paused.json['id']}/send")).status == 202
    assert (await api.post(f"/v1/campaigns/{paused.json['id']}/pause")).status == 200
    app = mailing.api.client.app
    pool, queries = app[POOL], app[QUERIES]
    counted: list[str] = []

    def note(record: LoggedQuery) -> None:
        if record.query == queries["queue-depth"]:
            counted.append(record.query)

    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    for each in held:
        each.add_query_logger(note)
    for each in held:
        await pool.release(each)
    worker = Worker(mailing.settings, pool, queries)
    for _ in range(5):
        await worker.step(asyncio.Event())
    assert len(counted) == 1
    worker.gauged_at -= QUEUE_GAUGE_SECONDS  # as if that much time had passed
    await worker.step(asyncio.Event())
    assert len(counted) == 2


async def test_the_kept_subscriber_counts_equal_a_count_after_every_kind_of_change(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """The delta rows kept by migration 019's triggers sum to a real COUNT after subscribing,
    confirming, an import, unsubscribing, blocking, an erasure and a list's deletion, and again
    after housekeeping folded them into one row per list and status."""
    mailing = await start_mailing()
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    await api.post("/v1/lists", json=EE_LIST | {"slug": "ee-teine"})
    await api.post("/v1/lists", json=EE_LIST | {"slug": "ee-kaob"})
    for n in range(3):
        await subscribe_by_form(mailing, "ee-uudised", f"vorm{n}@example.ee")
    assert (await mailing.api.post(mailing.links("/confirm/")[-1].split("?")[0])).status == 200
    csv = "email,name,status\n" + "".join(f"i{n}@example.ee,Ivo,confirmed\n" for n in range(7))
    imported = await api.post(
        "/v1/lists/ee-teine/import?consent=signed+up+at+the+Tartu+seminar",
        data=(csv + "vorm0@example.ee,Vorm,unsubscribed\n").encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status == 200, imported.text
    await readers(conn, "ee-kaob", [f"k{n}@example.ee" for n in range(5)], "Kaob")
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'unsubscribed' WHERE subscriber_id IN "
        "(SELECT id FROM mailing.subscribers WHERE email IN ('i1@example.ee', 'i2@example.ee'))"
    )
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'blocked' WHERE subscriber_id = "
        "(SELECT id FROM mailing.subscribers WHERE email = 'i3@example.ee')"
    )
    await conn.execute("UPDATE mailing.subscriptions SET lang = 'lv'")  # no status changed
    await conn.execute("DELETE FROM mailing.subscribers WHERE email = 'i4@example.ee'")  # erased
    await conn.execute("DELETE FROM mailing.lists WHERE slug = 'ee-kaob'")

    counted = (
        "SELECT list_id, status, count(*)::int AS n FROM mailing.subscriptions "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    kept = (
        "SELECT list_id, status, sum(n)::int AS n FROM mailing.subscription_counts "
        "GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2"
    )
    real = [tuple(r) for r in await conn.fetch(counted)]
    assert len(real) >= 4
    assert [tuple(r) for r in await conn.fetch(kept)] == real
    shown = await api.get("/v1/lists/ee-teine")
    assert shown.json["counts"]["confirmed"] == shown.json["confirmed"] == 3

    app = mailing.api.client.app
    await prune(app[POOL], app[QUERIES], mailing.settings, CHORES.steps)
    assert [tuple(r) for r in await conn.fetch(kept)] == real
    rows = await conn.fetchval("SELECT count(*) FROM mailing.subscription_counts")
    assert rows == len(real)  # one row per list and status; the deleted list's none
