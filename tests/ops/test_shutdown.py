"""Graceful shutdown: out of the balancer first, then in-flight work finishes; nobody refused."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack.mailsink import Sink
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.support.activation import activated
from tests.support.campaigns import wait_done
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, people, tokens
from tests.support.ports import Reserved

ROOT = Path(__file__).resolve().parents[2]
DRAIN = 3.0
# How long a load balancer keeps sending after it saw /readyz fail (less than the drain).
LB_REACTION = 1.0
CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Jõemets;Mari;;;\r\nFN:Mari Jõemets\r\nEND:VCARD\r\n"


def service_env(db_url: str, **more: str) -> dict[str, str]:
    """What a service process starts with in these tests."""
    return dict(
        os.environ,
        KONTAKT_DATABASE_URL=db_url,
        KONTAKT_SECRET_KEY="secret-key-for-tests",
        KONTAKT_SERVICE_TOKEN=SERVICE_TOKEN,
        KONTAKT_LOG_LEVEL="WARNING",
        **more,
    )


async def trickle(sending: asyncio.Event) -> AsyncIterator[bytes]:
    """A vCard upload that takes longer than the drain: in flight when the listener closes.

    `sending` is set once its first line was taken to be sent (the request has begun).
    """
    for line in CARD.encode().split(b"\r\n")[:-1]:
        yield line + b"\r\n"
        sending.set()
        await asyncio.sleep(1.0)


@pytest.mark.timeout(120)
@pytest.mark.usefixtures("demo")
async def test_a_stopping_service_leaves_the_balancer_first_and_refuses_nobody(
    db_url: str, admin_token: str
) -> None:
    listener = Reserved()  # given to the service (socket activation): ours before it starts
    base = listener.url
    argv, fds = activated(listener, [sys.executable, "-m", "services.directory"])
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        env=service_env(
            db_url, KONTAKT_DIRECTORY_PORT=str(listener.port), KONTAKT_DRAIN_SECONDS=str(DRAIN)
        ),
        pass_fds=fds,
    )
    listener.sock.close()  # the service's copy only: closed, its port refuses connections
    results: list[str] = []
    # A new connection for every request, as a load balancer spreading them would open.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        deadline = time.monotonic() + 60
        while True:
            try:
                async with http.get(f"{base}/readyz") as ready:
                    if ready.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                assert process.returncode is None, "the directory exited at start"
                assert time.monotonic() < deadline, "the directory did not start"
                await asyncio.sleep(0.2)

        sending = asyncio.Event()

        async def upload() -> int:
            async with http.post(
                f"{base}/v1/contacts/import?network=ee&lang=et",
                data=trickle(sending),
                headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "text/vcard"},
            ) as reply:
                return reply.status

        in_flight = asyncio.create_task(upload())
        await asyncio.wait_for(sending.wait(), 30)
        process.send_signal(signal.SIGTERM)
        left_balancer_at: float | None = None
        while left_balancer_at is None or time.monotonic() - left_balancer_at < LB_REACTION:
            try:
                async with http.get(f"{base}/v1/networks") as reply:
                    results.append(str(reply.status))
                async with http.get(f"{base}/readyz") as ready:
                    if ready.status == 503 and left_balancer_at is None:
                        left_balancer_at = time.monotonic()
            except aiohttp.ClientError as exc:
                results.append(type(exc).__name__)
            await asyncio.sleep(0.05)
        assert await in_flight == 200  # its body ended after the listener had closed
    assert await asyncio.wait_for(process.wait(), 30) == 0
    assert Counter(results) == {"200": len(results)}
    conn = await asyncpg.connect(db_url)
    try:
        assert await conn.fetchval(
            "SELECT count(*) FROM directory.contacts WHERE family_name = 'Jõemets'"
        )
    finally:
        await conn.close()


class Slow(Sink):
    """A server that takes its time with every message, so a batch is long."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0.2)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.timeout(180)
@pytest.mark.usefixtures("demo")
async def test_a_stopping_worker_finishes_its_sends_and_releases_the_rest(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection, db_url: str
) -> None:
    slow = Slow()
    mailing = await start_mailing(sink=slow, mailing_worker=False)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    recipients = [(f"reader{i:03d}@example.ee", f"Lugeja {i}", "confirmed") for i in range(60)]
    await people(conn, "ee-uudised", recipients)
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "Tere, {name}!"}
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    env = service_env(
        db_url,
        KONTAKT_SMTP_URL=mailing.settings.smtp_url or "",
        KONTAKT_PUBLIC_MAILING_URL=mailing.base,
        KONTAKT_SMTP_POOL="2",
        KONTAKT_SEND_RATE="4",  # a claimed batch of 16 would take four seconds
        KONTAKT_LEASE_SECONDS="600",  # nothing comes back by its lease running out
    )

    async def worker() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.mailing.worker", env=env, cwd=ROOT
        )

    first = await worker()
    deadline = time.monotonic() + 60
    while not slow.messages and time.monotonic() < deadline:  # noqa: ASYNC110 (another process)
        await asyncio.sleep(0.05)
    first.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(first.wait(), 10) == 0
    stopped_at = len(slow.messages)
    assert 0 < stopped_at < len(recipients), "the stop must land mid-campaign"
    claimed = await conn.fetchval(
        "SELECT count(*) FROM mailing.deliveries WHERE campaign_id = $1 AND status = 'sending'",
        campaign,
    )
    assert claimed == 0  # released at once, not after the ten-minute lease

    second = await worker()
    try:
        await wait_done(mailing, sender, campaign, seconds=120)
    finally:
        second.terminate()
        await second.wait()
    counts = Counter(m.rcpt_to[0] for m in slow.messages)
    assert counts == Counter({r[0]: 1 for r in recipients})  # each exactly once
