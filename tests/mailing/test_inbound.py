"""Returned mail through the intake: real reports over LMTP and HTTP change a person's state."""

from __future__ import annotations

import asyncio
import smtplib
from urllib.parse import quote

import asyncpg
import pytest

from services.mailing.returns import verp
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.mailing import returns_corpus as corpus
from tests.support.mailing import StartMailing
from tests.support.ports import Reserved
from tests.support.returns import (
    about,
    campaign_sent,
    send_campaign,
    states,
    suppressed,
)

pytestmark = pytest.mark.usefixtures("demo")


def lmtp(port: int, recipient: str, raw: bytes) -> str:
    """Deliver over LMTP as an MTA does; the reply line for the one recipient."""
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.ehlo_or_helo_if_needed()
        client.mail("")
        code, _ = client.rcpt(recipient)
        assert code == 250
        code, text = client.data(raw)
        assert code == 250, text
        return text.decode()


async def test_reports_over_lmtp_act_only_as_they_should(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    # The service binds its LMTP port itself, beside our socket (both SO_REUSEADDR, ours never
    # listens): while ours is open the system gives that port to no one else.
    reserved = Reserved()
    port = reserved.port
    mailing, sent, campaign = await campaign_sent(start_mailing, make_account, conn, lmtp_port=port)

    async def deliver(recipient: str, raw: bytes) -> str:
        return await asyncio.to_thread(lmtp, port, recipient, raw)

    # A 5.7.1 about the *sender's* DMARC is recorded, and disables nobody.
    dmarc = sent["dmarc@example.ee"]
    assert "recorded" in await deliver(
        dmarc.envelope, about(corpus.OUTLOOK_DMARC, dmarc, "dmarc@example.ee")
    )

    # A report about two recipients acts on its block about this person only: another
    # address failing beside their delivery changes nothing.
    assert "ignored" in await deliver(
        dmarc.envelope, about(corpus.TWO_RECIPIENTS, dmarc, "dmarc@example.ee")
    )

    # Relays repeat "Action: delayed": never a bounce, and the delivery still says sent.
    delayed = sent["delayed@example.ee"]
    warning = corpus.postfix("4.4.1", "Connection timed out", action="delayed")
    for _ in range(3):
        await deliver(delayed.envelope, about(warning, delayed, "delayed@example.ee"))

    # RFC 6533: a 5.1.1 in message/global-delivery-status suppresses the address everywhere.
    gone = sent["global@example.ee"]
    report = corpus.GLOBAL_DSN.replace(corpus.GLOBAL_TO.encode(), b"global@example.ee")
    assert "suppressed" in await deliver(gone.envelope, about(report, gone, "global@example.ee"))

    # A complaint at the fixed feedback-loop address, matched by the enclosed Message-ID.
    fbl = sent["fbl@example.ee"]
    assert "suppressed" in await deliver(
        "fbl@example.ee", about(corpus.arf("abuse"), fbl, "fbl@example.ee")
    )

    # A complaint matched only by the List-Id and an address (both public: anyone could write
    # it) ends that subscription as an unsubscribe the person can undo, never as a complaint.
    unproven = corpus.arf("abuse", rcpt="listid@example.ee").replace(
        corpus.MESSAGE_ID.encode(), b"<elsewhere.1@example.ee>"
    )
    assert "unsubscribed" in await deliver("fbl@example.ee", unproven)

    # The mailto unsubscribe address every copy shows cannot be turned into a bounce.
    forged = sent["forged@example.ee"]
    as_bounce = forged.mailto.replace("unsubscribe+", "bounces+")
    hard = corpus.postfix("5.1.1", "550 5.1.1 User unknown")
    assert "ignored" in await deliver(
        as_bounce, hard.replace(corpus.TO.encode(), b"forged@example.ee")
    )
    # Nor does a genuine-looking report about a campaign never sent to that person count.
    other = verp.address(mailing.settings, "bounce", campaign + 1, 1, "example.ee")
    assert "ignored" in await deliver(other, hard)
    # A hard bounce that only quotes a genuine Message-ID (replies carry it in References,
    # archives publish it), not sent to the envelope's VERP address: counted, never suppressing.
    quoted = sent["away@example.ee"]
    assert "counted" in await deliver("fbl@example.ee", about(hard, quoted, "away@example.ee"))

    # Soft bounces count messages within the window (a relay repeating one message's report
    # counts once); old ones are forgotten.
    soft = sent["soft@example.ee"]
    full = about(corpus.GMAIL_FULL, soft, "soft@example.ee")
    for _ in range(3):
        assert "counted" in await deliver(soft.envelope, full)
    await conn.execute("UPDATE mailing.return_events SET received_at = now() - interval '40 days'")
    _, again = await make_account(
        "again@example.ee", permissions={"ee": ("manage_lists", "send_campaigns")}
    )
    second = (await send_campaign(mailing, again))[0]["soft@example.ee"]
    third = (await send_campaign(mailing, again))[0]["soft@example.ee"]
    for later in (second, second, third):
        assert "counted" in await deliver(
            later.envelope, about(corpus.GMAIL_FULL, later, "soft@example.ee")
        )
    assert "stopped" in await deliver(soft.envelope, full)

    # An out-of-office reply to the unsubscribe address unsubscribes nobody; a person's mail does.
    away = sent["away@example.ee"]
    assert "ignored" in await deliver(away.mailto, corpus.OUT_OF_OFFICE)
    assert "ignored" in await deliver(away.envelope, corpus.OUT_OF_OFFICE)
    leaving = sent["leaving@example.ee"]
    assert "unsubscribed" in await deliver(leaving.mailto, b"Subject: unsubscribe\r\n\r\n")

    assert await states(conn) == {
        "dmarc@example.ee": "confirmed",
        "delayed@example.ee": "confirmed",
        "global@example.ee": "bounced",
        "fbl@example.ee": "complained",
        "forged@example.ee": "confirmed",
        "soft@example.ee": "bounced",
        "leaving@example.ee": "unsubscribed",
        "away@example.ee": "confirmed",
        "listid@example.ee": "unsubscribed",
    }
    assert await suppressed(conn) == {
        "global@example.ee": "hard-bounce",
        "fbl@example.ee": "complaint",
    }
    deliveries = await conn.fetch(
        "SELECT b.email, d.status FROM mailing.deliveries d "
        "JOIN mailing.subscribers b ON b.id = d.subscriber_id"
    )
    assert {r["email"]: r["status"] for r in deliveries}["delayed@example.ee"] == "sent"

    # Every report is kept with its evidence.
    evidence = await conn.fetchrow(
        "SELECT e.* FROM mailing.return_events e JOIN mailing.subscribers b "
        "ON b.id = e.subscriber_id WHERE b.email = 'dmarc@example.ee'"
    )
    assert evidence is not None
    assert (evidence["kind"], evidence["status"], evidence["intake"]) == ("policy", "5.7.1", "lmtp")
    assert "DMARC" in evidence["diagnostic"]
    assert evidence["reporting_mta"] == "AM0PR01MB0001.eurprd01.prod.outlook.example"

    # The same evidence, per subscriber, through the API the console shows it from.
    _, admin = await make_account("admin@example.ee", admin=True)
    api = mailing.api.as_(admin)
    members = (await api.get("/v1/lists/ee-uudised/members")).json["items"]
    ids = {m["email"]: m["id"] for m in members}
    shown = (await api.get(f"/v1/lists/ee-uudised/members/{ids['dmarc@example.ee']}")).json
    assert [(r["kind"], r["status"], r["intake"], r["outcome"]) for r in shown["returns"]] == [
        ("policy", "5.7.1", "lmtp", "recorded")
    ]
    assert "DMARC" in shown["returns"][0]["diagnostic"]
    assert shown["returns"][0]["reporting_mta"] == evidence["reporting_mta"]
    assert shown["returns"][0]["campaign"] == campaign
    assert shown["suppression"] is None
    late = (await api.get(f"/v1/lists/ee-uudised/members/{ids['delayed@example.ee']}")).json
    assert [r["kind"] for r in late["returns"]] == ["delayed"] * 3
    gone = (await api.get(f"/v1/lists/ee-uudised/members/{ids['global@example.ee']}")).json
    assert (gone["status"], gone["suppression"]["reason"]) == ("bounced", "hard-bounce")
    assert gone["returns"][0]["format"] == "rfc6533"


async def test_the_http_intake_needs_the_service_credential(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    mailing, sent, _ = await campaign_sent(start_mailing, make_account, conn)
    gone = sent["global@example.ee"]
    report = about(corpus.postfix("5.1.1", "550 5.1.1 User unknown"), gone, "global@example.ee")
    headers = {"Content-Type": "message/rfc822"}
    url = f"/v1/inbound?to={quote(gone.envelope)}"
    assert (await mailing.api.post(url, data=report, headers=headers)).status == 401
    # A tag with digits of another script is nobody's, not a 500.
    odd = quote("bounces+1\u00b2.1." + "0" * 24 + "@example.ee")
    stranger = await mailing.api.as_(SERVICE_TOKEN).post(
        f"/v1/inbound?to={odd}", data=corpus.postfix("5.1.1", "User unknown"), headers=headers
    )
    assert stranger.json == {"action": "ignored", "reason": "not about a message Kontakt sent"}
    reply = await mailing.api.as_(SERVICE_TOKEN).post(url, data=report, headers=headers)
    assert reply.json == {"action": "suppressed"}
    assert (await suppressed(conn)) == {"global@example.ee": "hard-bounce"}
