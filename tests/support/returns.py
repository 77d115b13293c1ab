"""Returned mail: a campaign sent, corpus reports rewritten to be about it, what they changed."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesHeaderParser

import asyncpg

from tests.conftest import MakeAccount
from tests.mailing import returns_corpus as corpus
from tests.support.campaigns import wait_done
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST, people, tokens


@dataclass
class Sent:
    """What one recipient's copy of the campaign carried."""

    envelope: str  # bounces+…
    message_id: str
    mailto: str  # unsubscribe+… from List-Unsubscribe


def about(raw: bytes, sent: Sent, address: str) -> bytes:
    """A corpus report rewritten to be about the message Kontakt sent to `address`."""
    return raw.replace(corpus.MESSAGE_ID.encode(), sent.message_id.encode()).replace(
        corpus.TO.encode(), address.encode()
    )


async def states(conn: asyncpg.Connection) -> dict[str, str]:
    """Each subscriber's status on the list."""
    rows = await conn.fetch(
        "SELECT b.email, s.status FROM mailing.subscriptions s "
        "JOIN mailing.subscribers b ON b.id = s.subscriber_id"
    )
    return {r["email"]: r["status"] for r in rows}


async def suppressed(conn: asyncpg.Connection) -> dict[str, str]:
    """The suppression list."""
    return {
        r["address"]: r["reason"] for r in await conn.fetch("SELECT * FROM mailing.suppressions")
    }


ADDRESSES = [
    "dmarc@example.ee",
    "delayed@example.ee",
    "global@example.ee",
    "fbl@example.ee",
    "forged@example.ee",
    "soft@example.ee",
    "leaving@example.ee",
    "away@example.ee",
    "listid@example.ee",
]


async def campaign_sent(
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    **changes: object,
) -> tuple[Mailing, dict[str, Sent], int]:
    """A campaign to ADDRESSES, delivered to the SMTP sink; what each copy carried."""
    mailing = await start_mailing(**changes)
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await people(conn, "ee-uudised", [(a, "", "confirmed") for a in ADDRESSES])
    sent, campaign = await send_campaign(mailing, sender)
    return mailing, sent, campaign


async def send_campaign(mailing: Mailing, sender: str) -> tuple[dict[str, Sent], int]:
    """A campaign to the list sent by `sender`; what each of its copies carried, its id."""
    before = len(mailing.sink.messages)
    campaign = (
        await mailing.api.as_(sender).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    await wait_done(mailing, sender, campaign)
    sent = {}
    for message in mailing.sink.messages[before:]:
        headers = BytesHeaderParser().parsebytes(message.raw)
        mailto = headers["List-Unsubscribe"].split("<mailto:")[1].rstrip(">")
        sent[message.rcpt_to[0]] = Sent(message.mail_from, headers["Message-ID"], mailto)
    return sent, campaign
