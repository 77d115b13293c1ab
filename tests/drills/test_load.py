"""Drill: 200 concurrent clients for 30 s on the public API, widgets and the subscribe form."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
import pytest

from shared.http import origin_of
from tests.conftest import MakeAccount
from tests.support.forms import form_fields
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, tokens

pytestmark = pytest.mark.usefixtures("demo")

CLIENTS = 200
SECONDS = float(os.environ.get("LOAD_SECONDS", "30"))
REVEAL_LIMIT = 5
SUBSCRIBE_LIMIT = 3


@dataclass
class Client:
    """One simulated visitor, with an address of its own behind the trusted proxy."""

    number: int
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)

    @property
    def ip(self) -> str:
        """A documentation address per client (RFC 5737 ranges)."""
        return f"198.51.{self.number // 250}.{self.number % 250 + 1}"


async def visit(
    session: aiohttp.ClientSession,
    client: Client,
    directory: str,
    mailing: str,
    until: float,
    rounds: int,
) -> None:
    """Read contacts and the widget, reveal, subscribe; until `until`, `rounds` times at least."""
    headers = {"X-Forwarded-For": client.ip}
    # Visitors reveal through the directory's own iframe, which names its origin.
    iframe = headers | {"Origin": origin_of(directory)}
    round_ = 0
    while round_ < rounds or time.monotonic() < until:
        round_ += 1

        async def get(kind: str, url: str) -> aiohttp.ClientResponse:
            async with session.get(url, headers=headers) as response:
                await response.read()
                client.statuses[(kind, response.status)] += 1
                return response

        await get("contacts", f"{directory}/v1/networks/for-in/contacts?lang=lv")
        async with session.get(f"{directory}/v1/widget/for-in?lang=lt", headers=headers) as r:
            widget = await r.json()
            client.statuses[("widget", r.status)] += 1
        token = next(c["token"] for c in widget["cards"] if c.get("token"))
        async with session.post(
            f"{directory}/v1/reveal", json={"token": token, "lang": "lv"}, headers=iframe
        ) as r:
            await r.read()
            client.statuses[("reveal", r.status)] += 1
        if round_ % 3 == 1:
            async with session.get(f"{mailing}/subscribe/ee-uudised?lang=et", headers=headers) as r:
                hidden = form_fields(await r.text())
                client.statuses[("form", r.status)] += 1
            data = hidden | {
                "email": f"lugeja{client.number}.{round_}@example.ee",
                "name": "Mežecka",
            }
            async with session.post(
                f"{mailing}/subscribe/ee-uudised", data=data, headers=headers
            ) as r:
                await r.read()
                client.statuses[("subscribe", r.status)] += 1


@pytest.mark.timeout(int(SECONDS) + 120)
async def test_two_hundred_clients_get_no_5xx_and_429_where_limits_apply(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    mailing = await start_mailing(
        trusted_proxies=("127.0.0.0/8",),
        reveal_limit=REVEAL_LIMIT,
        subscribe_limit=SUBSCRIBE_LIMIT,
        db_pool_max=10,
    )
    editor, _ = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    clients = [Client(i) for i in range(CLIENTS)]
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    directory = mailing.settings.directory_url
    assert directory
    until = time.monotonic() + SECONDS
    # However slow the machine, every client visits once and a few go past both budgets
    # (a subscribe every third round), so "the limits did bite" never depends on speed.
    past_budgets = max(REVEAL_LIMIT, 3 * SUBSCRIBE_LIMIT) + 1
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(
            *(
                visit(session, c, directory, mailing.base, until, past_budgets if i < 3 else 1)
                for i, c in enumerate(clients)
            )
        )

    total: Counter[tuple[str, int]] = Counter()
    for client in clients:
        total.update(client.statuses)
        # Each visitor got exactly its budget and was then told to wait; never more, never 5xx.
        reveals = client.statuses[("reveal", 200)]
        assert reveals == min(REVEAL_LIMIT, reveals + client.statuses[("reveal", 429)]), client
        subscribed = client.statuses[("subscribe", 200)]
        assert subscribed <= SUBSCRIBE_LIMIT, client
    assert not [k for k in total if k[1] >= 500], total
    assert {status for _, status in total} <= {200, 429}, total
    # Everyone got through at least once, and the limits did bite.
    assert all(c.statuses[("contacts", 200)] > 0 for c in clients)
    assert total[("reveal", 429)] > 0
    assert total[("subscribe", 429)] > 0
    print(dict(total))
