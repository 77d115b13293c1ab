"""Confirmations and test sends leave through the outbox: the request records, a sender sends.

The answer to a subscription is the same work for every address (issue 14: nothing tells
a stranger whether an address is known, not even time), and a relay that is down when
someone subscribes delays the confirmation instead of losing it.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from services.mailing.keys import POOL
from services.mailing.paths import QUERIES_DIR
from services.mailing.returns.suppression import suppress
from shared.logs import request_id_var
from shared.mail.message import Capabilities, Draft, Outgoing, build
from shared.mail.transport import SmtpConfig, send_one
from shared.queries import Queries
from shared.ratelimit import RATE_LIMITS
from tests.conftest import MakeAccount
from tests.support.forms import form_fields
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, people
from tests.support.observe import drained, statements_in_requests
from tests.support.ports import Reserved
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.usefixtures("demo")
Q = Queries.load(QUERIES_DIR, RATE_LIMITS, schema="mailing")


async def test_subscribing_does_the_same_work_whatever_is_known_about_the_address(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    mailing = await start_mailing(mailing_worker=False)
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await mailing.api.as_(token).post("/v1/lists", json=EE_LIST)
    await people(conn, "ee-uudised", [("known@example.ee", "Known", "confirmed")])
    await suppress(conn, Q, "blocked@example.ee", "complaint")
    first = await mailing.api.post(
        "/v1/lists/ee-uudised/subscribe", json={"email": "waiting@example.ee"}
    )
    assert first.status == 202  # a confirmation is now owed to it, within the window
    pool = mailing.api.client.app[POOL]
    form = form_fields((await mailing.api.get("/subscribe/ee-uudised?lang=et")).text)
    work = {}
    for address in [
        "new@example.ee",
        "known@example.ee",
        "waiting@example.ee",
        "blocked@example.ee",
    ]:
        async with statements_in_requests(pool) as api_statements:
            api = await mailing.api.post(
                "/v1/lists/ee-uudised/subscribe", json={"email": address, "name": "X", "lang": "et"}
            )
        async with statements_in_requests(pool) as form_statements:
            page = await mailing.api.post(
                "/subscribe/ee-uudised", data=form | {"email": address, "name": "X", "website": ""}
            )
        work[address] = (
            (api.status, api.body, api_statements),
            (page.status, page.body, form_statements),
        )
        assert api_statements, "the statements were observed"
    assert len({repr(w) for w in work.values()}) == 1, work
    # What the same statements did differs: only the new address is owed a confirmation.
    owed = await conn.fetch(
        "SELECT b.email FROM mailing.outbox o JOIN mailing.subscribers b ON b.id = o.subscriber_id"
    )
    assert sorted(r["email"] for r in owed) == ["new@example.ee", "waiting@example.ee"]


async def _tried(conn: asyncpg.Connection, times: int, seconds: float = 30) -> None:
    """Wait until the outbox has tried its row `times` times (the relay refused each)."""
    deadline = time.monotonic() + seconds
    while (await conn.fetchval("SELECT max(attempts) FROM mailing.outbox") or 0) < times:
        assert time.monotonic() < deadline, f"the outbox did not try {times} times"
        await asyncio.sleep(0.05)


async def test_the_relay_down_during_subscribe_then_up_delivers_the_confirmation_once(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    down = Reserved()  # bound, not listening: the relay is down (and the port stays ours)
    mailing = await start_mailing(smtp_url=f"smtp://127.0.0.1:{down.port}", retry_base=0.2)
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await mailing.api.as_(token).post("/v1/lists", json=EE_LIST)
    answer = await mailing.api.post(
        "/v1/lists/ee-uudised/subscribe", json={"email": "lugeja@example.ee", "lang": "et"}
    )
    assert answer.status == 202
    await _tried(conn, 2)  # a few tries against the closed port
    async with smtp_server(reserved=down) as relay:
        await drained(mailing.settings.database_url or "", "mailing.outbox")
        assert [m.rcpt_to for m in relay.handler.received] == [["lugeja@example.ee"]]
        message = relay.handler.received[0].parsed()
        assert message["Subject"] == "Palun kinnitage tellimus: FOR-IN Eesti uudiskiri"
        text = message.get_body(("plain",))
        assert text is not None
        link = next(w for w in text.get_content().split() if "/confirm/" in w)
        confirmed = await mailing.api.post(link.removeprefix(mailing.base).split("?")[0], data={})
        assert confirmed.status == 200


async def test_a_confirmation_the_relay_never_took_is_given_up_after_the_window(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    down = Reserved()  # the relay is down for the whole window
    mailing = await start_mailing(
        smtp_url=f"smtp://127.0.0.1:{down.port}", retry_base=0.2, confirm_window=2
    )
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await mailing.api.as_(token).post("/v1/lists", json=EE_LIST)
    subscribe = {"email": "hiline@example.ee", "lang": "et"}
    assert (await mailing.api.post("/v1/lists/ee-uudised/subscribe", json=subscribe)).status == 202
    await drained(mailing.settings.database_url or "", "mailing.outbox")
    given_up = await conn.fetchrow("SELECT outcome, address, attempts FROM mailing.outbox")
    assert given_up is not None
    assert (given_up["outcome"], given_up["address"]) == ("failed", "")
    assert given_up["attempts"] >= 2  # tried while the window lasted
    async with smtp_server(reserved=down) as relay:
        # Back up after the window: the stale link is not sent; asking again sends a fresh one
        # (and only that: the row given up stays given up). The window (2 s, from the first
        # confirmation) is waited out exactly, as the service counts it.
        passed = (
            "SELECT confirmation_sent_at < now() - interval '2 seconds' FROM mailing.subscriptions"
        )
        deadline = time.monotonic() + 30
        while not await conn.fetchval(passed):
            assert time.monotonic() < deadline, "the confirmation window did not pass"
            await asyncio.sleep(0.05)
        again = await mailing.api.post("/v1/lists/ee-uudised/subscribe", json=subscribe)
        assert again.status == 202
        await drained(mailing.settings.database_url or "", "mailing.outbox")
        assert [m.rcpt_to for m in relay.handler.received] == [["hiline@example.ee"]]
        rows = await conn.fetch("SELECT outcome, attempts FROM mailing.outbox ORDER BY id")
        assert [r["outcome"] for r in rows] == ["failed", "sent"]
        assert rows[0]["attempts"] == given_up["attempts"]


async def test_smtp_is_never_spoken_in_a_request_nor_holding_a_connection(
    start_mailing: StartMailing,
) -> None:
    mailing = await start_mailing()
    config = SmtpConfig.from_settings(mailing.settings)
    draft = Draft("K", "k@example.ee", "S", "x")

    def make(caps: Capabilities) -> Outgoing:
        return build(draft, "a@example.ee", caps)

    token = request_id_var.set("a-request")
    try:
        with pytest.raises(RuntimeError, match="inside a request"):
            await send_one(config, make)
    finally:
        request_id_var.reset(token)
    pool = mailing.api.client.app[POOL]
    async with pool.acquire():
        with pytest.raises(RuntimeError, match="database connection is held"):
            await send_one(config, make)
    await send_one(config, make)
    assert len(mailing.sink.messages) == 1
