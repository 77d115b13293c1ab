"""Drill: an SMTP server that drops connections and answers 421/451 on a random fifth of tries."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import asyncpg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack.mailsink import Sink
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, readers, tokens

pytestmark = pytest.mark.usefixtures("demo")

RECIPIENTS = 2000
REFUSED = {f"gone{i}@example.ee" for i in range(25)}
FAULT_RATE = 0.2
# A real sender gives up after MAX_ATTEMPTS (tested elsewhere); this server relents after four
# faults in a row for one recipient, so the drill measures loss, not that limit.
MOST_FAULTS_IN_A_ROW = 4


class FlakyServer(Sink):
    """Drops the connection, answers 421 (then hangs up) or 451 on a random 20% of messages."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.random = random.Random(seed)
        self.faults: Counter[str] = Counter()
        self.streak: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.refusals = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in REFUSED:
            self.refusals += 1
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        address = envelope.rcpt_tos[0]
        if self.streak[address] < MOST_FAULTS_IN_A_ROW and self.random.random() < FAULT_RATE:
            self.streak[address] += 1
            kind = self.random.choice(["drop", "421", "451"])
            self.faults[kind] += 1
            if kind == "drop":
                # Hang up before answering: the message was not taken.
                assert isinstance(server.transport, asyncio.Transport)
                server.transport.abort()
                return "451 (never sent: the connection is gone)"
            if kind == "421":
                await server.push("421 4.3.2 Service shutting down, closing channel")
                assert server.transport is not None
                server.transport.close()
                return "421 (never sent)"
            return "451 4.3.0 Temporary failure, try again later"
        self.streak[address] = 0
        self.accepted[address] += 1
        await super().handle_DATA(server, session, envelope)
        return "250 2.0.0 Ok: queued"


@pytest.mark.timeout(240)
async def test_a_campaign_survives_a_flaky_server_delivering_each_message_once(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    server = FlakyServer(seed=7)
    mailing = await start_mailing(sink=server, retry_base=0.05, smtp_pool=8)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    addresses = [f"reader{i:04d}@example.ee" for i in range(RECIPIENTS - len(REFUSED))]
    addresses += sorted(REFUSED)
    await readers(conn, "ee-uudised", addresses, "Žydrūnė Kisevičienė")
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "Uudised", "body": "Tere, {name}!"}
        )
    ).json["id"]
    assert (await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")).status == 202
    done = await wait_done(mailing, sender, campaign, seconds=200)

    deliverable = RECIPIENTS - len(REFUSED)
    # Every fault kind happened, many times: the drill really drilled.
    assert min(server.faults[k] for k in ("drop", "421", "451")) > 50, server.faults
    ledger: dict[str, int] = dict(
        await conn.fetch(  # type: ignore[arg-type]
            "SELECT status, count(*) FROM mailing.deliveries WHERE campaign_id = $1 GROUP BY 1",
            campaign,
        )
    )
    assert ledger == {"sent": deliverable, "bounced": len(REFUSED)}
    assert done["progress"]["sent"] == deliverable
    assert done["progress"]["bounced"] == len(REFUSED)
    # Exactly once, by the server's own count: nobody twice, nobody missing.
    assert set(server.accepted) == set(addresses) - REFUSED
    assert set(server.accepted.values()) == {1}
    assert len(server.messages) == deliverable
    # A 5.1.1 is final (a hard bounce): each refused address was tried once, the reason kept.
    assert server.refusals == len(REFUSED)
    reasons = await conn.fetch(
        "SELECT last_error FROM mailing.deliveries WHERE campaign_id = $1 AND status = 'bounced'",
        campaign,
    )
    assert all(r["last_error"].startswith("550") for r in reasons)
