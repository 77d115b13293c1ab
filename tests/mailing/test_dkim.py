"""DKIM: campaign mail is signed over its List-Unsubscribe headers and verifies."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import asyncpg
import dkim
import pytest

from services.mailing.compose import sign_bytes
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.dkim import key_pair
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, people, tokens

pytestmark = pytest.mark.usefixtures("demo")


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


def test_a_rotated_dkim_key_signs_without_a_restart(settings: Settings, tmp_path: Path) -> None:
    """The key file is read again once it changed (renamed over, or rewritten in place)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, first_record = key_pair(tmp_path / "a")
    second, second_record = key_pair(tmp_path / "b")
    path = tmp_path / "dkim.pem"
    path.write_bytes(first.read_bytes())
    configured = settings.replace(dkim_key_file=str(path), dkim_selector="for-in")
    message = (
        b"From: uudised@example.ee\r\nTo: lugeja@example.ee\r\nSubject: Tere\r\n"
        b"Message-ID: <1@example.ee>\r\n\r\nTere, Zydrune!\r\n"
    )

    def published(record: bytes) -> Callable[..., bytes]:
        return lambda name, timeout=5: record

    signed = sign_bytes(configured, message, "example.ee")
    assert dkim.verify(signed, dnsfunc=published(first_record))
    # Rotated as a deploy does it: the new file renamed over the old one.
    fresh = tmp_path / "fresh.pem"
    fresh.write_bytes(second.read_bytes())
    os.replace(fresh, path)
    signed = sign_bytes(configured, message, "example.ee")
    assert dkim.verify(signed, dnsfunc=published(second_record))
    assert not dkim.verify(signed, dnsfunc=published(first_record))
    # Rewritten in place (the same file), a moment later: read again too.
    path.write_bytes(first.read_bytes())
    later = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))
    signed = sign_bytes(configured, message, "example.ee")
    assert dkim.verify(signed, dnsfunc=published(first_record))
