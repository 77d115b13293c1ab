"""Debian's Postfix, set up as the README says, hands real bounces to the LMTP listener.

The campaign goes out through a private Postfix, which relays it to a receiving server of
our own that refuses some recipients as real ones do. Postfix writes the delivery reports
itself (RFC 3464: a failure, a policy refusal, a delay warning) and delivers them, by the
README's `transport_maps` lines, over LMTP to the mailing service; a provider's complaint and
a person's unsubscribe mail come in through Postfix's smtpd the same way.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import time
from email.parser import BytesParser
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.mailing import returns_corpus as corpus
from tests.support.campaigns import wait_done
from tests.support.mailing import StartMailing
from tests.support.mta import postfix_mta
from tests.support.newsletters import EE_LIST, people, tokens
from tests.support.ports import Reserved
from tests.support.returns import Sent, about, states, suppressed
from tests.support.smtp import Recorder, smtp_server

pytestmark = pytest.mark.usefixtures("demo")
README = Path(__file__).resolve().parents[2] / "README.md"
# How the receiving server answers each recipient, as real ones do.
REFUSALS = {
    "gone@example.lv": "550 5.1.1 <gone@example.lv>: Recipient address rejected: User unknown",
    "dmarc@example.lv": (
        "550 5.7.1 Unauthenticated mail from example.ee is refused by its DMARC policy"
    ),
    "full@example.lv": "452 4.2.2 <full@example.lv>: Mailbox full",
}
READERS = [*REFUSALS, "kept@example.lv", "angry@example.lv", "leaving@example.lv"]


def readme_setup(lmtp_port: int) -> tuple[str, str]:
    """The README's main.cf lines and transport table, for this test's domain and port."""
    text = README.read_text(encoding="utf-8")
    main_cf = re.search(r"In `main\.cf`:\n\n```\n(.*?)```", text, re.S)
    table = re.search(r"and in `/etc/postfix/transport`.*?\n\n```\n(.*?)```", text, re.S)
    assert main_cf, "the README's main.cf lines moved"
    assert table, "the README's transport table moved"
    lines = main_cf.group(1).replace("/etc/postfix", "$config_directory")
    transport = table.group(1).replace("news.example.org", "example.ee")
    return lines, transport.replace(":2424", f":{lmtp_port}")


def smtp_send(port: int, sender: str, recipient: str, raw: bytes) -> None:
    """Hand a message to Postfix's smtpd, as another mail system does."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(sender, [recipient], raw)


async def settled(conn: asyncpg.Connection, expected: int, seconds: float = 60) -> None:
    """Wait until the listener has recorded `expected` reports."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await conn.fetchval("SELECT count(*) FROM mailing.return_events") >= expected:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("Postfix did not deliver the reports over LMTP in time")


@pytest.mark.timeout(180)
async def test_postfix_delivers_real_reports_over_lmtp(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    # The service binds its LMTP port itself, beside our socket (both SO_REUSEADDR, ours never
    # listens): while ours is open the system gives that port to no one else.
    reserved = Reserved()
    lmtp_port = reserved.port
    main_cf, transport = readme_setup(lmtp_port)
    receiving = Recorder(rcpt_replies=REFUSALS)
    async with smtp_server(receiving, smtputf8=True) as remote:
        # Everything that is not a return address goes to the receiving server; the
        # delay warning comes after a second, not four hours.
        relay = f"*  smtp:[127.0.0.1]:{remote.port}\n"
        async with postfix_mta(main_cf + "delay_warning_time = 1s\n", transport + relay) as mta:
            mailing = await start_mailing(
                smtp_url=f"smtp://127.0.0.1:{mta.port}", lmtp_port=lmtp_port
            )
            editor, sender = await tokens(make_account)
            await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
            await people(conn, "ee-uudised", [(a, "", "confirmed") for a in READERS])
            campaign = (
                await mailing.api.as_(editor).post(
                    "/v1/lists/ee-uudised/campaigns", json={"subject": "Uudised", "body": "Tere!"}
                )
            ).json["id"]
            await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
            await wait_done(mailing, sender, campaign)
            # Postfix reports the failure, the policy refusal and the delay by itself.
            await settled(conn, 3)

            # What the receiving server took carries the tokens a complaint and a
            # person's reply refer to.
            sent: dict[str, Sent] = {}
            for message in receiving.received:
                headers = BytesParser().parsebytes(message.raw, headersonly=True)
                mailto = headers["List-Unsubscribe"].split("<mailto:")[1].rstrip(">")
                sent[message.rcpt_to[0]] = Sent(message.mail_from, headers["Message-ID"], mailto)
            assert sorted(sent) == ["angry@example.lv", "kept@example.lv", "leaving@example.lv"]
            complaint = about(corpus.arf("abuse"), sent["angry@example.lv"], "angry@example.lv")
            reply = b"From: leaving@example.lv\r\nSubject: unsubscribe\r\n\r\nPlease stop.\r\n"
            await asyncio.to_thread(
                smtp_send, mta.port, "fbl@provider.example", "fbl@example.ee", complaint
            )
            await asyncio.to_thread(
                smtp_send, mta.port, "leaving@example.lv", sent["leaving@example.lv"].mailto, reply
            )
            await settled(conn, 5)
            log = mta.log()

    assert await states(conn) == {
        "gone@example.lv": "bounced",
        "dmarc@example.lv": "confirmed",
        "full@example.lv": "confirmed",
        "kept@example.lv": "confirmed",
        "angry@example.lv": "complained",
        "leaving@example.lv": "unsubscribed",
    }
    assert await suppressed(conn) == {
        "gone@example.lv": "hard-bounce",
        "angry@example.lv": "complaint",
    }
    events = {
        r["email"]: r
        for r in await conn.fetch(
            "SELECT b.email, e.* FROM mailing.return_events e "
            "JOIN mailing.subscribers b ON b.id = e.subscriber_id"
        )
    }
    assert {e: (r["kind"], r["status"], r["intake"]) for e, r in events.items()} == {
        "gone@example.lv": ("hard", "5.1.1", "lmtp"),
        "dmarc@example.lv": ("policy", "5.7.1", "lmtp"),
        "full@example.lv": ("delayed", "4.2.2", "lmtp"),
        "angry@example.lv": ("complaint", "", "lmtp"),
        "leaving@example.lv": ("unsubscribe", "", "lmtp"),
    }
    # Postfix's own report, with its evidence: who reported, who refused, in which words.
    gone = events["gone@example.lv"]
    assert (gone["format"], gone["reporting_mta"]) == ("rfc3464", "mx.kontakt.test")
    assert gone["remote_mta"] == "127.0.0.1"
    assert "User unknown" in gone["diagnostic"]
    assert "DMARC" in events["dmarc@example.lv"]["diagnostic"]
    # The delay warning changed nothing: the delivery still reads as sent.
    delivery = await conn.fetchval(
        "SELECT d.status FROM mailing.deliveries d JOIN mailing.subscribers b "
        "ON b.id = d.subscriber_id WHERE b.email = 'full@example.lv'"
    )
    assert delivery == "sent"
    # Postfix itself says it handed each report to the listener, by the README's table.
    handed = re.findall(
        rf"postfix/lmtp\[\d+\]: \w+: to=<([^>]+)>, "
        rf"relay=127\.0\.0\.1\[127\.0\.0\.1\]:{lmtp_port}, .*status=sent",
        log,
    )
    assert len(handed) == 5, log
    assert sum(a.startswith("bounces+") for a in handed) == 3
