"""DKIM: campaign mail is signed over its List-Unsubscribe headers and verifies."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import asyncpg
import dkim
import pytest

from tests.conftest import MakeAccount
from tests.mailing.test_campaigns import people, tokens, wait_done
from tests.mailing.test_subscriptions import EE_LIST
from tests.support.mailing import StartMailing

pytestmark = pytest.mark.usefixtures("demo")


def key_pair(folder: Path) -> tuple[Path, bytes]:
    """A fresh RSA key (made with openssl) and its public half as DNS would publish it."""
    private = folder / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


async def test_campaign_mail_is_dkim_signed_and_verifies(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    private, record = key_pair(tmp_path)
    mailing = await start_mailing(dkim_key_file=str(private), dkim_selector="for-in")
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await people(conn, "ee-uudised", [("signed@example.ee", "Žydrūnė", "confirmed")])
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns",
            json={"subject": "Allkirjastatud ümbrik", "body": "Tere, {name}!"},
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    await wait_done(mailing, sender, campaign)
    raw = mailing.sink.messages[0].raw
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert header.startswith(b"DKIM-Signature:")
    signed = header.split(b"h=", 1)[1].split(b";", 1)[0].lower()
    assert b"list-unsubscribe" in signed
    assert b"list-unsubscribe-post" in signed

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"for-in._domainkey.example.ee."
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nothing"
    )
    assert not dkim.verify(tampered, dnsfunc=dns)
