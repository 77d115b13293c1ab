"""The console's sign-in form counts a client as every budget does: IPv6 per /64."""

from __future__ import annotations

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
