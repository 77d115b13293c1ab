"""Blocking work kept off the event loop: a slow DNS answer holds up one request, not all."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.mailing.test_campaigns import people, tokens, wait_done
from tests.mailing.test_dkim import key_pair
from tests.mailing.test_subscriptions import EE_LIST
from tests.support.dns import held_dns_as_default
from tests.support.mailing import StartMailing

pytestmark = pytest.mark.usefixtures("demo")


async def test_the_service_answers_while_a_deliverability_lookup_waits_for_dns(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    mailing = await start_mailing(mailing_worker=False, email_check_deliverability=True)
    editor, _ = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    with held_dns_as_default() as dns:
        subscribing = asyncio.create_task(
            mailing.api.post(
                "/v1/lists/ee-uudised/subscribe", json={"email": "Aiste@kisevičienė.lt"}
            )
        )
        assert await asyncio.to_thread(dns.asked.wait, 30)  # the lookup is under way, held
        health = await mailing.api.get("/healthz")
        # Answered while the DNS answer was still held: the lookup did not stop the loop.
        assert health.status == 200
        assert not dns.answered.is_set(), "the service answered only once DNS had"
        assert not subscribing.done()
        dns.release.set()
        assert (await subscribing).status == 202


class HeldKey:
    """A DKIM key file that is a named pipe: whoever reads it waits until `release` is set.

    Signing reads the key at its first message, so a signer on the event loop would stop the
    whole service there; `opened` says a reader is waiting, `written` that it has the key.
    A held key is written anyway after `hold_at_most` seconds, so a blocked loop is not
    blocked for ever.
    """

    def __init__(self, folder: Path, hold_at_most: float = 10.0) -> None:
        self.key, _ = key_pair(folder)
        self.path = folder / "held.pem"
        os.mkfifo(self.path)
        self.opened, self.release, self.written = (threading.Event() for _ in range(3))
        self.hold_at_most = hold_at_most
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        with self.path.open("wb") as pipe:  # returns once a reader has opened the pipe
            self.opened.set()
            self.release.wait(self.hold_at_most)
            pipe.write(self.key.read_bytes())
        self.written.set()


@pytest.mark.parametrize("what", ["preview", "worker"])
async def test_dkim_signing_leaves_the_loop_free(
    what: str,
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    held = HeldKey(tmp_path)
    mailing = await start_mailing(dkim_key_file=str(held.path), dkim_selector="for-in")
    editor, sender = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    await people(conn, "ee-uudised", [("signed@example.ee", "Žydrūnė", "confirmed")])
    made = await api.post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Ümbrik", "body": "Tere, {name}!"}
    )
    campaign = made.json["id"]
    if what == "preview":
        signing = asyncio.create_task(api.get(f"/v1/campaigns/{campaign}/preview"))
    else:
        signing = asyncio.create_task(
            mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
        )
    assert await asyncio.to_thread(held.opened.wait, 30)  # the signer waits for the key
    health = await mailing.api.get("/healthz")
    # Answered while the key was still held: signing did not stop the loop.
    assert health.status == 200
    assert not held.written.is_set(), "the service answered only once the key was read"
    held.release.set()
    assert (await signing).status in (200, 202)
    if what == "worker":
        await wait_done(mailing, sender, campaign)
        assert mailing.sink.messages[-1].raw.startswith(b"DKIM-Signature:")
