"""Blocking work kept off the event loop: a slow DNS answer holds up one request, not all."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from services.mailing.keys import IMAP_EXECUTOR
from shared.addresses import DNS_THREADS
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.dkim import key_pair
from tests.support.dns import held_dns_as_default, threads_asking_dns, threads_in
from tests.support.imap import QuietImap
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, people, tokens

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


async def until(condition: Callable[[], bool]) -> None:
    """Wait (the loop free) until `condition` holds; a minute at most."""
    for _ in range(6000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_held_dns_lookups_leave_the_signing_threads_free(
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    """More held lookups than the default executor has threads: a signed preview still comes.

    Before, each lookup took one of the loop's default threads (6 on 2 cores), which
    rendering and DKIM signing share: 8 held subscribes stopped the first newsletter.
    """
    key, _ = key_pair(tmp_path)
    mailing = await start_mailing(
        mailing_worker=False,
        email_check_deliverability=True,
        subscribe_limit=1000,
        dkim_key_file=str(key),
        dkim_selector="for-in",
    )
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    await api.post("/v1/lists", json=EE_LIST)
    made = await api.post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Ümbrik", "body": "Tere, {name}!"}
    )
    default_threads = min(32, (os.cpu_count() or 1) + 4)  # ThreadPoolExecutor's default
    with held_dns_as_default() as dns:
        subscribing = [
            asyncio.create_task(
                mailing.api.post(
                    "/v1/lists/ee-uudised/subscribe", json={"email": f"held{n}@kisevičienė.lt"}
                )
            )
            for n in range(default_threads + 2)
        ]
        # Each lookup is asked in a thread of the DNS checks' own, never the loop's default.
        await until(lambda: len(threads_asking_dns()) >= DNS_THREADS)
        asking = threads_asking_dns()
        assert all(name.startswith("kontakt-dns") for name in asking), asking
        preview = await api.get(f"/v1/campaigns/{made.json['id']}/preview")
        assert preview.status == 200
        assert not dns.answered.is_set(), "the preview came only once DNS had answered"
        assert not any(task.done() for task in subscribing)
        dns.release.set()
        assert {(await task).status for task in subscribing} == {202}


async def test_a_client_over_its_budget_causes_no_dns_lookup(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    """The API's subscribe counts the client's budget before it asks DNS about the address."""
    mailing = await start_mailing(
        mailing_worker=False, email_check_deliverability=True, subscribe_limit=1
    )
    editor, _ = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    with held_dns_as_default() as dns:
        dns.release.set()  # answered at once
        first = await mailing.api.post(
            "/v1/lists/ee-uudised/subscribe", json={"email": "first@kisevičienė.lt"}
        )
        assert first.status == 202
        assert dns.asked.is_set()
        dns.asked.clear()
        second = await mailing.api.post(
            "/v1/lists/ee-uudised/subscribe", json={"email": "second@kisevičienė.lt"}
        )
        assert second.status == 429
        assert not dns.asked.is_set(), "DNS was asked for a client over its budget"
        # An address whose form is wrong is still refused by name, before any budget or DNS.
        wrong = await mailing.api.post(
            "/v1/lists/ee-uudised/subscribe", json={"email": "no-at-sign"}
        )
        assert wrong.status == 422
        assert not dns.asked.is_set()


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


async def test_a_stalled_mailbox_leaves_the_signing_threads_free(
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    """The returned-mail poll waits on a mailbox that never answers in a thread of its own:
    all of the loop's default threads still sign at once, and a campaign goes out, signed.

    Before, imaplib's calls took one of the default threads (which rendering and DKIM
    signing share) for as long as the mailbox kept them waiting.
    """
    stalled = QuietImap()
    port = await stalled.start()
    key, _ = key_pair(tmp_path)
    mailing = await start_mailing(
        dkim_key_file=str(key),
        dkim_selector="for-in",
        imap_url=f"imap://bounces%40example.ee:secret@127.0.0.1:{port}/INBOX",
        imap_interval=0.1,
        # imaplib gives up on the silent server only after twice this: never during the test.
        http_timeout=300,
    )
    try:
        await until(lambda: stalled.accepted >= 1 and bool(threads_in("imaplib.py")))
        waiting = threads_in("imaplib.py")
        assert all(name.startswith("kontakt-imap") for name in waiting), waiting
        # Every one of the default executor's threads at once (each waits for all the others):
        # one of them held by the mailbox, the last would never start and the barrier breaks.
        default_threads = min(32, (os.cpu_count() or 1) + 4)  # ThreadPoolExecutor's default
        together = threading.Barrier(default_threads, timeout=60)
        await asyncio.gather(*(asyncio.to_thread(together.wait) for _ in range(default_threads)))
        # And a campaign is signed and sent while the mailbox still says nothing.
        editor, sender = await tokens(make_account)
        await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
        await people(conn, "ee-uudised", [("signed@example.ee", "Žydrūnė", "confirmed")])
        made = await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "Ümbrik", "body": "Tere, {name}!"}
        )
        campaign = made.json["id"]
        sent = await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
        assert sent.status == 202, sent.text
        await wait_done(mailing, sender, campaign)
        assert mailing.sink.messages[-1].raw.startswith(b"DKIM-Signature:")
        assert stalled.accepted == 1  # the one poll is still held: nothing waited for it
        assert threads_in("imaplib.py") == waiting
    finally:
        stalled.release()
    # Stopped, the service closes the poller's threads: nothing more can be run in them.
    app = mailing.api.client.app
    assert app is not None
    executor = app[IMAP_EXECUTOR]
    await mailing.api.client.close()
    with pytest.raises(RuntimeError, match="shutdown"):
        executor.submit(print)
