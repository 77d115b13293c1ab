"""Returned mail: hard and soft bounces (RFC 3464), complaints (ARF), the mailto unsubscribe."""

from __future__ import annotations

from urllib.parse import quote

import asyncpg
import pytest

from services.mailing.compose import verp_token
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.mailing.conftest import Mailing
from tests.mailing.test_campaigns import people, tokens, wait_done
from tests.mailing.test_subscriptions import EE_LIST

pytestmark = pytest.mark.usefixtures("demo")


def dsn(status: str, action: str) -> bytes:
    """A delivery status notification as an MTA writes it."""
    return (
        "From: MAILER-DAEMON@mx.example.ee\r\nTo: bounces@example.ee\r\nSubject: Undelivered\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.ee\r\n\r\n"
        f"Final-Recipient: rfc822; a@example.ee\r\nAction: {action}\r\nStatus: {status}\r\n\r\n"
        "--b--\r\n"
    ).encode()


ARF = (
    b"From: abuse@isp.example\r\nTo: bounces@example.ee\r\nSubject: Complaint\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=feedback-report; boundary="f"\r\n\r\n'
    b"--f\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n"
    b"--f\r\nContent-Type: message/feedback-report\r\n\r\n"
    b"Feedback-Type: abuse\r\nVersion: 1\r\n\r\n"
    b"--f--\r\n"
)


async def status_of(conn: asyncpg.Connection, address: str) -> tuple[str, int]:
    """A subscriber's status and soft-bounce count."""
    row = await conn.fetchrow(
        "SELECT s.status, s.soft_bounces FROM mailing.subscriptions s "
        "JOIN mailing.subscribers b ON b.id = s.subscriber_id WHERE b.email = $1",
        address,
    )
    assert row is not None
    return row["status"], row["soft_bounces"]


async def test_bounces_complaints_and_mailto_unsubscribe(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    addresses = ["hard@example.ee", "soft@example.ee", "angry@example.ee", "leaving@example.ee"]
    await people(conn, "ee-uudised", [(a, "", "confirmed") for a in addresses])
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    await wait_done(mailing, sender, campaign)
    envelope = {m.rcpt_to[0]: m.mail_from for m in mailing.sink.messages}
    service = mailing.api.as_(SERVICE_TOKEN)
    headers = {"Content-Type": "message/rfc822"}

    async def inbound(to: str, body: bytes) -> str:
        reply = await service.post(f"/v1/inbound?to={quote(to)}", data=body, headers=headers)
        assert reply.status == 200, reply.text
        return str(reply.json["action"])

    assert await inbound(envelope["hard@example.ee"], dsn("5.1.1", "failed")) == "hard"
    assert await status_of(conn, "hard@example.ee") == ("bounced", 0)
    for expected in (1, 2):
        assert await inbound(envelope["soft@example.ee"], dsn("4.2.2", "delayed")) == "soft"
        assert await status_of(conn, "soft@example.ee") == ("confirmed", expected)
    await inbound(envelope["soft@example.ee"], dsn("4.2.2", "delayed"))
    assert await status_of(conn, "soft@example.ee") == ("bounced", 3)
    assert await inbound(envelope["angry@example.ee"], ARF) == "complaint"
    assert (await status_of(conn, "angry@example.ee"))[0] == "complained"
    mailto = envelope["leaving@example.ee"].replace("bounces+", "unsubscribe+")
    assert await inbound(mailto, b"Subject: unsubscribe\r\n\r\n") == "unsubscribed"
    assert (await status_of(conn, "leaving@example.ee"))[0] == "unsubscribed"

    forged = f"bounces+{campaign}.1.0000000000000000@example.ee"
    assert await inbound(forged, dsn("5.1.1", "failed")) == "ignored"
    assert (
        await service.post("/v1/inbound?to=someone@example.ee", data=b"x", headers=headers)
    ).status == 422
    assert (
        await mailing.api.post(f"/v1/inbound?to={mailto}", data=b"x", headers=headers)
    ).status == 401
    assert verp_token(mailing.settings, campaign, 1).startswith(f"{campaign}.1.")
