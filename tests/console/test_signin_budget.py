"""The console's sign-in form counts a client as every budget does: IPv6 per /64."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.console.app import create_app as create_console
from services.console.routes.signin_link import REQUESTS_PER_WINDOW
from shared.settings import Settings


async def test_addresses_of_one_ipv6_line_share_one_signin_budget(settings: Settings) -> None:
    app = create_console(settings.replace(trusted_proxies=("127.0.0.0/8",)))
    async with TestClient(TestServer(app)) as client:

        async def ask(address: str) -> int:
            async with client.post(
                "/signin/email",
                data={"email": "", "lang": "et"},
                headers={"X-Forwarded-For": address, "Sec-Fetch-Site": "same-origin"},
            ) as answer:
                return answer.status

        # A new address of the same /64 each time, as a script rotating them would.
        got = [await ask(f"2001:db8:77:1::{n:x}") for n in range(1, REQUESTS_PER_WINDOW + 3)]
        assert got == [200] * REQUESTS_PER_WINDOW + [429] * 2
        assert await ask("2001:db8:77:2::1") == 200  # another line


async def test_each_console_app_keeps_its_own_signin_budget(settings: Settings) -> None:
    # One process, two apps (as a test run has): the one that spent its budget refuses, the
    # other still answers (the budget was the module's, so whichever test came after failed).
    async def asks(app: web.Application, times: int) -> list[int]:
        async with TestClient(TestServer(app)) as client:
            statuses = []
            for _ in range(times):
                async with client.post(
                    "/signin/email",
                    data={"email": "", "lang": "et"},
                    headers={"Sec-Fetch-Site": "same-origin"},
                ) as answer:
                    statuses.append(answer.status)
            return statuses

    spent = create_console(settings)
    assert await asks(spent, REQUESTS_PER_WINDOW + 1) == [200] * REQUESTS_PER_WINDOW + [429]
    assert await asks(create_console(settings), 1) == [200]
