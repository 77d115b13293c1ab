"""Campaigns: each confirmed subscriber once, list headers, retries, a worker killed mid-send."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import asyncpg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack.mailsink import Sink
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST, people, tokens

pytestmark = pytest.mark.usefixtures("demo")
ROOT = Path(__file__).resolve().parents[2]

BODY = (
    "# Tere, {name}!\n\n<script>alert(1)</script>\n\n[Loe edasi](https://for-in.example/uudised)\n"
)


async def test_campaign_reaches_each_confirmed_subscriber_once_with_list_headers(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await people(
        conn,
        "ee-uudised",
        [
            ("zydrune@example.ee", "Žydrūnė Jõemets", "confirmed"),
            ("daina@example.lv", "Daina Mežecka", "confirmed"),
            ("nameless@example.ee", "", "confirmed"),
            ("pending@example.ee", "Pending", "pending"),
            ("gone@example.ee", "Gone", "unsubscribed"),
        ],
    )
    created = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns",
        json={"subject": "Uudised: lõimumine ja Kisevičienė", "body": BODY},
    )
    assert created.status == 201
    campaign = created.json["id"]
    preview = await mailing.api.as_(editor).get(f"/v1/campaigns/{campaign}/preview?name=Mari")
    assert re.search(r"<h1[^>]*>Tere, Mari!</h1>", preview.json["html"])
    assert "<script>" not in preview.json["html"]
    assert (await mailing.api.as_(editor).post(f"/v1/campaigns/{campaign}/send")).status == 403

    tested = await mailing.api.as_(sender).post(
        f"/v1/campaigns/{campaign}/test", json={"addresses": ["proof@example.ee"]}
    )
    assert tested.status == 202
    await mailing.settle()
    assert mailing.sink.messages[-1].summary()["subject"].startswith("[TEST] ")
    mailing.sink.messages.clear()

    started = await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    assert started.status == 202
    done = await wait_done(mailing, sender, campaign)
    assert done["progress"]["sent"] == 3
    assert done["progress"]["failed"] == 0

    received = {m.rcpt_to[0]: m for m in mailing.sink.messages}
    assert sorted(received) == ["daina@example.lv", "nameless@example.ee", "zydrune@example.ee"]
    ids = set()
    for _address, message in received.items():
        parsed = message.parsed()
        assert parsed["Subject"] == "Uudised: lõimumine ja Kisevičienė"
        assert parsed["From"] == "Madis Kanarbik <uudised@example.ee>"
        assert parsed["List-Id"] == "FOR-IN Eesti uudiskiri <ee-uudised.example.ee>"
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert parsed["Precedence"] == "bulk"
        assert parsed["Auto-Submitted"] == "auto-generated"
        assert message.mail_from.startswith("bounces+")
        assert message.mail_from.endswith("@example.ee")
        ids.add(parsed["Message-ID"])
        unsubscribe = str(parsed["List-Unsubscribe"])
        assert unsubscribe.startswith("<http://127.0.0.1:")
        assert "<mailto:unsubscribe+" in unsubscribe
        assert b"\r\nBcc" not in message.raw
    assert len(ids) == 3
    text = received["zydrune@example.ee"].parsed().get_body(preferencelist=("plain",))
    assert text is not None
    assert "Tere, Žydrūnė Jõemets!" in text.get_content()
    html = received["nameless@example.ee"].parsed().get_body(preferencelist=("html",))
    assert html is not None
    assert re.search(r"<h1[^>]*>Tere, Tere!</h1>", html.get_content())

    # The one-click URL from the header works with a bare POST, as mail providers send it.
    url = str(received["daina@example.lv"].parsed()["List-Unsubscribe"]).split(">")[0].lstrip("<")
    path = url.removeprefix(mailing.base)
    one_click = await mailing.api.post(
        path,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status == 200
    status = await conn.fetchval(
        "SELECT s.status FROM mailing.subscriptions s "
        "JOIN mailing.subscribers b ON b.id = s.subscriber_id WHERE b.email = 'daina@example.lv'"
    )
    assert status == "unsubscribed"


async def test_pause_resume_cancel_and_bad_input(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    bad = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "a\\r\\nBcc: x", "body": ""}
    )
    assert bad.status == 422
    assert "body" in bad.problem_fields()
    injected = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns",
        json={"subject": "Hi\r\nBcc: victim@example.org", "body": "x"},
    )
    assert injected.problem_fields() == ["subject"]
    created = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
    )
    campaign = created.json["id"]
    later = await mailing.api.as_(sender).post(
        f"/v1/campaigns/{campaign}/send", json={"at": "2099-01-01T09:00:00+02:00"}
    )
    assert later.json["status"] == "scheduled"
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/pause")).json[
        "status"
    ] == "paused"
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/resume")).json[
        "status"
    ] == "scheduled"
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/cancel")).json[
        "status"
    ] == "cancelled"
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/resume")).status == 409
    assert (
        await mailing.api.as_(editor).patch(f"/v1/campaigns/{campaign}", json={"subject": "T"})
    ).status == 409
    naive = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
    )
    wrong_time = await mailing.api.as_(sender).post(
        f"/v1/campaigns/{naive.json['id']}/send", json={"at": "tomorrow"}
    )
    assert wrong_time.problem_fields() == ["at"]
    _, lv = await make_account(
        "lv@example.lv", permissions={"lv": ("manage_lists", "send_campaigns")}
    )
    assert (await mailing.api.as_(lv).get(f"/v1/campaigns/{campaign}")).status == 403
    assert (await mailing.api.as_(lv).post(f"/v1/campaigns/{naive.json['id']}/send")).status == 403


class Flaky(Sink):
    """A server that answers 451 to an address's first try, and 5xx to chosen addresses."""

    def __init__(self) -> None:
        super().__init__()
        self.tries: Counter[str] = Counter()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.tries[address] += 1
        if address.startswith("refused@"):
            return "550 5.1.1 No such user"
        if address.startswith("full@"):
            return "552 5.2.2 Mailbox full"
        if address.startswith("later@") and self.tries[address] == 1:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_transient_replies_are_retried_and_permanent_ones_are_not(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    flaky = Flaky()
    mailing = await start_mailing(sink=flaky, retry_base=1)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await people(
        conn,
        "ee-uudised",
        [
            ("later@example.ee", "", "confirmed"),
            ("refused@example.ee", "", "confirmed"),
            ("full@example.ee", "", "confirmed"),
            ("fine@example.ee", "", "confirmed"),
        ],
    )
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    done = await wait_done(mailing, sender, campaign)
    assert done["progress"]["sent"] == 2
    assert done["progress"]["failed"] == 1
    assert done["progress"]["bounced"] == 1  # 5.1.1 at RCPT: a hard bounce
    assert flaky.tries["later@example.ee"] == 2
    assert flaky.tries["refused@example.ee"] == 1  # a 5xx is never retried
    assert flaky.tries["full@example.ee"] == 1
    error = await conn.fetchval("SELECT last_error FROM mailing.deliveries WHERE status = 'failed'")
    assert error.startswith("552 5.2.2")


class Slow(Sink):
    """A server slow enough that a worker can be killed halfway through a campaign."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.timeout(180)
async def test_a_worker_killed_mid_campaign_loses_no_recipient(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection, db_url: str
) -> None:
    slow = Slow()
    mailing = await start_mailing(sink=slow, mailing_worker=False, lease_seconds=2)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    recipients = [(f"reader{i:03d}@example.ee", f"Lugeja {i}", "confirmed") for i in range(240)]
    await people(conn, "ee-uudised", recipients)
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "Tere, {name}!"}
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")

    env = dict(
        os.environ,
        KONTAKT_DATABASE_URL=db_url,
        KONTAKT_SMTP_URL=mailing.settings.smtp_url or "",
        KONTAKT_SECRET_KEY=mailing.settings.secret_key or "",
        KONTAKT_LEASE_SECONDS="2",
        KONTAKT_SMTP_POOL="4",
        KONTAKT_PUBLIC_MAILING_URL=mailing.base,
    )

    async def worker() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.mailing.worker", env=env, cwd=ROOT
        )

    first = await worker()
    deadline = time.monotonic() + 60
    while len(slow.messages) < 60 and time.monotonic() < deadline:  # noqa: ASYNC110 (another process)
        await asyncio.sleep(0.05)
    in_flight = await conn.fetchval(
        "SELECT count(*) FROM mailing.deliveries WHERE campaign_id = $1 AND status = 'sending'",
        campaign,
    )
    first.send_signal(signal.SIGKILL)
    await first.wait()
    killed_at = len(slow.messages)
    assert 0 < killed_at < 240, "the kill must land mid-campaign"

    second = await worker()
    try:
        await wait_done(mailing, sender, campaign, seconds=120)
    finally:
        second.terminate()
        await second.wait()
    counts = Counter(m.rcpt_to[0] for m in slow.messages)
    assert set(counts) == {r[0] for r in recipients}  # nobody lost
    duplicates = sum(c - 1 for c in counts.values())
    assert duplicates <= max(in_flight, 4 * 8)  # at most what was in flight at the kill
    statuses = await conn.fetch(
        "SELECT status, count(*) FROM mailing.deliveries WHERE campaign_id = $1 GROUP BY status",
        campaign,
    )
    assert {r["status"]: r["count"] for r in statuses} == {"sent": 240}
