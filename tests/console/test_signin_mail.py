"""Signing in by e-mail: the console's answer is the same work for every address (issue 14),
and the link leaves through the console's outbox, never from the request (issue 13).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from services.console.app import create_app as create_console
from services.console.keys import POOL, QUERIES, SESSION
from services.console.outbox import outbox
from services.directory.app import create_app as create_directory
from services.directory.keys import POOL as DIRECTORY_POOL
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.support.observe import statements_in_requests
from tests.support.ports import Reserved
from tests.support.smtp import Server, smtp_server

pytestmark = pytest.mark.usefixtures("demo")


@dataclass
class Pair:
    """The console (its sender stopped) and the directory it asks, and an SMTP server."""

    console: TestServer
    directory: TestServer
    relay: Server
    settings: Settings


@pytest.fixture
async def pair(settings: Settings) -> AsyncIterator[Pair]:
    """Directory and console on local ports; the console's own sender does not run."""
    async with smtp_server() as relay:
        sockets = {"directory": Reserved(), "console": Reserved()}
        configured = settings.replace(
            directory_url=sockets["directory"].url,
            public_console_url=sockets["console"].url,
            smtp_url=relay.url(),
            console_sender=False,
        )
        directory = TestServer(
            create_directory(configured),
            host="127.0.0.1",
            port=sockets["directory"].port,
            socket_factory=sockets["directory"].factory,
        )
        console = TestServer(
            create_console(configured),
            host="127.0.0.1",
            port=sockets["console"].port,
            socket_factory=sockets["console"].factory,
        )
        await directory.start_server()
        await console.start_server()
        try:
            yield Pair(console, directory, relay, configured)
        finally:
            await console.close()
            await directory.close()


async def test_the_sign_in_mail_answer_is_the_same_work_for_every_address(
    pair: Pair, make_account: MakeAccount
) -> None:
    await make_account("madis.kanarbik@example.ee", permissions={"ee": ("manage_lists",)})
    base = str(pair.console.make_url(""))
    answers = []
    async with aiohttp.ClientSession() as http:
        for address in ["madis.kanarbik@example.ee", "nobody@example.ee"]:
            async with (
                statements_in_requests(pair.console.app[POOL]) as console_work,
                statements_in_requests(pair.directory.app[DIRECTORY_POOL]) as directory_work,
            ):
                async with http.post(
                    f"{base}/signin/email",
                    data={"email": address, "lang": "lv"},
                    headers={"Origin": base},
                    allow_redirects=False,
                ) as reply:
                    answers.append((reply.status, await reply.text(), list(console_work)))
                # The request asks nothing of the directory: only the sender will.
                assert directory_work == []
            assert console_work == [answers[0][2][0]]  # one statement: the wish is recorded
    assert answers[0] == answers[1]
    assert pair.relay.handler.received == []  # nothing was sent by the request

    # The sender: the account's address gets a link, the other nothing; addresses are forgotten.
    app = pair.console.app
    sender = outbox(pair.settings, app[POOL], app[QUERIES], app[SESSION])
    try:
        while await sender.step():
            pass
    finally:
        await sender.transport.close()
    assert [m.rcpt_to for m in pair.relay.handler.received] == [["madis.kanarbik@example.ee"]]
    message = pair.relay.handler.received[0].parsed()
    assert message["Subject"] == "Jūsu pieteikšanās saite Kontakt konsolei"
    async with app[POOL].acquire() as conn:
        rows = await conn.fetch("SELECT outcome, address FROM console.outbox ORDER BY id")
    assert [(r["outcome"], r["address"]) for r in rows] == [("sent", ""), ("skipped", "")]
