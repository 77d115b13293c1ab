"""Per-client rate limits kept in PostgreSQL, so every copy of the service shares them."""

from __future__ import annotations

import random

from aiohttp import web

from services.directory.keys import POOL, QUERIES, SETTINGS
from shared.clientip import client_address
from shared.errors import RateLimited


async def spend(request: web.Request, client: str | None = None, budget: str = "reveal") -> None:
    """Count one action against a client's budget; 429 with Retry-After when it is spent."""
    settings = request.app[SETTINGS]
    who = client or client_address(request, settings.trusted_proxies)
    bucket = f"{budget}:{who}"
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(q["rate-hit"], bucket, settings.reveal_window)
        if random.random() < 0.01:
            await conn.execute(q["rate-sweep"])
    assert row is not None
    if row["hits"] > settings.reveal_limit:
        raise RateLimited(
            f"At most {settings.reveal_limit} addresses "
            f"per {settings.reveal_window // 60} minutes.",
            retry_after=max(int(row["resets_in"]), 1),
        )
