"""Drill: PostgreSQL stops for 5 s under load; services answer 503 and recover on their own."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack.mailsink import Sink
from services.directory.paths import MIGRATIONS, SCHEMA
from shared.migrate import migrate
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, readers, tokens
from tests.support.observe import until
from tests.support.postgres import StoppablePostgres, with_database
from tests.support.workers import start_worker, stop_worker

pytestmark = pytest.mark.usefixtures("demo")

# How long the directory answers from its last version without PostgreSQL (its cache).
TRUSTED_SECONDS = 3.5
# Deadlines only: the drill goes on as soon as the load saw what it waits for.
OUTAGE_SECONDS = 30
RECOVERY_SECONDS = 60
RECIPIENTS = 300


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[StoppablePostgres]:
    """A server for this drill alone: stopping the suite's server would stop every test."""
    # Not pytest's private temporary folder: PostgreSQL runs as another user and must reach it.
    server = StoppablePostgres(Path(tempfile.mkdtemp(prefix="kontakt-outage-")))
    yield server
    server.close()


@pytest.fixture
async def db_url(own_postgres: StoppablePostgres) -> str:
    """This module's database, on the server the drill stops (overrides the suite's)."""
    admin = await asyncpg.connect(own_postgres.url)
    await admin.execute("DROP DATABASE IF EXISTS drill WITH (FORCE)")
    await admin.execute("CREATE DATABASE drill")
    await admin.close()
    url = with_database(own_postgres.url, "drill")
    conn = await asyncpg.connect(url)
    await migrate(conn, SCHEMA, MIGRATIONS)
    await conn.close()
    return url


class SlowSink(Sink):
    """Takes a little time per message, as a real server does."""

    def __init__(self, delay: float = 0.01) -> None:
        super().__init__()
        self.delay = delay
        self.accepted: Counter[str] = Counter()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(self.delay)
        self.accepted[envelope.rcpt_tos[0]] += 1
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Answer:
    """One response seen by the load."""

    at: float
    url: str
    status: int
    content_type: str
    retry_after: str | None


async def load(
    session: aiohttp.ClientSession, urls: list[str], stop: asyncio.Event, seen: list[Answer]
) -> None:
    """Request the URLs round and round until told to stop."""
    while not stop.is_set():
        for url in urls:
            try:
                async with session.get(url) as response:
                    await response.read()
                    seen.append(
                        Answer(
                            time.monotonic(),
                            url,
                            response.status,
                            response.content_type,
                            response.headers.get("Retry-After"),
                        )
                    )
            except aiohttp.ClientError as exc:
                raise AssertionError(f"{url}: the service itself failed: {exc!r}") from exc
        await asyncio.sleep(0.01)


async def seen_until(
    seen: list[Answer], urls: list[str], test: Callable[[list[Answer]], bool], within: float
) -> None:
    """Wait until `test` holds for the answers of every URL (the load goes on meanwhile)."""
    deadline = time.monotonic() + within
    while not all(test([a for a in seen if a.url == url]) for url in urls):
        assert time.monotonic() < deadline, f"not seen within {within} s: {seen[-5:]}"
        await asyncio.sleep(0.05)


@pytest.mark.timeout(180)
async def test_services_answer_503_while_postgres_is_down_and_recover_without_a_restart(
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    own_postgres: StoppablePostgres,
) -> None:
    sink = SlowSink()
    mailing = await start_mailing(sink=sink, send_rate=40, smtp_pool=2)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    addresses = [f"lugeja{i:03d}@example.ee" for i in range(RECIPIENTS)]
    await readers(conn, "ee-uudised", addresses, "Jõemets")
    await conn.close()  # the drill's own connection would only be cut
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "Uudised", "body": "Tere!"}
        )
    ).json["id"]
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")).status == 202
    await until(lambda: len(sink.messages) >= 40, within=60)  # the worker sends meanwhile

    directory = mailing.settings.directory_url
    urls = [
        f"{directory}/v1/networks/for-in/contacts?lang=et",
        f"{directory}/readyz",
        f"{mailing.base}/subscribe/ee-uudised?lang=et",
        f"{mailing.base}/readyz",
    ]
    seen: list[Answer] = []
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        # Authenticated reads go through introspection: the mailing service asks the directory.
        authed = aiohttp.ClientSession(headers={"Authorization": f"Bearer {editor}"})
        tasks = [
            asyncio.create_task(load(session, urls, stop, seen)),
            asyncio.create_task(load(authed, [f"{mailing.base}/v1/lists/ee-uudised"], stop, seen)),
        ]
        all_urls = [*urls, f"{mailing.base}/v1/lists/ee-uudised"]
        await seen_until(seen, all_urls, lambda mine: any(a.status == 200 for a in mine), 30)
        sent_before = len(sink.messages)
        await asyncio.to_thread(own_postgres.stop)
        down_at = time.monotonic()
        # Down until every URL was answered twice after the directory stopped trusting its cache.
        await seen_until(
            seen,
            all_urls,
            lambda mine: len([a for a in mine if a.at > down_at + TRUSTED_SECONDS]) >= 2,
            OUTAGE_SECONDS,
        )
        up_at = time.monotonic()
        await asyncio.to_thread(own_postgres.start)
        # Up until every URL answered 200 five times in a row, by itself.
        await seen_until(
            seen,
            all_urls,
            lambda mine: [a.status for a in mine if a.at > up_at][-5:] == [200] * 5,
            RECOVERY_SECONDS,
        )
        stop.set()
        await asyncio.gather(*tasks)
        await authed.close()

    assert sent_before < RECIPIENTS, "the campaign must be in progress when PostgreSQL stops"
    for answer in seen:
        assert answer.status in (200, 503), answer
        if answer.status == 503:
            assert answer.content_type == "application/problem+json", answer
            assert answer.retry_after, answer
    during = [a for a in seen if down_at + TRUSTED_SECONDS < a.at < up_at]
    for url in all_urls:
        # While PostgreSQL is down (after the 3 s the directory trusts its last version)...
        assert {a.status for a in during if a.url == url} == {503}, url
        # ...and, once it is back, every service answers again by itself.
        recovered = [a for a in seen if a.url == url and a.at > up_at and a.status == 200]
        assert recovered, f"{url} did not recover"
        last = [a.status for a in seen if a.url == url][-5:]
        assert last == [200] * 5, (url, last)

    # The campaign in progress resumed and finished: everyone once, nobody twice.
    done = await wait_done(mailing, sender, campaign, seconds=60)
    assert done["progress"]["sent"] == RECIPIENTS
    assert set(sink.accepted) == set(addresses)
    assert set(sink.accepted.values()) == {1}


class Stalling(SlowSink):
    """One message (the `at`-th) takes `hold` seconds at the server; the test learns when."""

    def __init__(self, at: int, hold: float) -> None:
        super().__init__(delay=0.02)
        self.at, self.hold = at, hold
        self.stalled = asyncio.Event()
        self.started = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.started += 1
        if self.started == self.at:
            self.stalled.set()
            await asyncio.sleep(self.hold)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.timeout(240)
async def test_an_outage_twice_the_lease_makes_no_worker_send_what_another_sent(
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    own_postgres: StoppablePostgres,
) -> None:
    lease = 2
    # PostgreSQL stops while a message is at the server and stays away for twice the lease;
    # that message is answered only after it is back, when every claim's lease has run out.
    sink = Stalling(at=100, hold=2 * lease + 3)
    # Two workers share the ledger: the service's own and a standalone process.
    mailing = await start_mailing(sink=sink, lease_seconds=lease, smtp_pool=2)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    addresses = [f"lugeja{i:03d}@example.ee" for i in range(RECIPIENTS)]
    await readers(conn, "ee-uudised", addresses, "Jõemets")
    await conn.close()
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "Uudised", "body": "Tere!"}
        )
    ).json["id"]
    sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'drill'"
    admin = await asyncpg.connect(own_postgres.url)
    before = await admin.fetchval(sessions)
    worker = await start_worker(mailing, lease_seconds=str(lease), smtp_pool="2")
    try:
        # Both workers must be sending when the outage comes: wait for the process's pool.
        deadline = time.monotonic() + 60
        while await admin.fetchval(sessions) <= before and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await admin.close()
        assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")).status == 202
        await asyncio.wait_for(sink.stalled.wait(), 60)
        await asyncio.to_thread(own_postgres.stop)
        await asyncio.sleep(2 * lease)
        await asyncio.to_thread(own_postgres.start)
        done = await wait_done(mailing, sender, campaign, seconds=120)
    finally:
        await stop_worker(worker)
    assert done["progress"]["sent"] == len(addresses)
    assert set(sink.accepted) == set(addresses)
    twice = {a: n for a, n in sink.accepted.items() if n > 1}
    assert twice == {}
