"""The subscribe budget counts a client as the directory's reveals do: IPv6 per /64."""

from __future__ import annotations

import pytest

from tests.conftest import MakeAccount
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, tokens

pytestmark = pytest.mark.usefixtures("demo")


async def test_addresses_of_one_ipv6_line_share_one_subscribe_budget(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    mailing = await start_mailing(trusted_proxies=("127.0.0.0/8",), subscribe_limit=2)
    editor, _ = await tokens(make_account)
    assert (await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)).status == 201

    async def subscribe(client: str, n: int) -> int:
        reply = await mailing.api.post(
            "/v1/lists/ee-uudised/subscribe",
            json={"email": f"lugeja{n}@example.ee", "name": "Jõemets"},
            headers={"X-Forwarded-For": client},
        )
        return reply.status

    # A new address of the same /64 for every request, as a script rotating them would.
    got = [await subscribe(f"2001:db8:5:6::{n:x}", n) for n in range(1, 5)]
    assert got == [202, 202, 429, 429]
    assert await subscribe("2001:db8:5:7::1", 9) == 202  # another line
