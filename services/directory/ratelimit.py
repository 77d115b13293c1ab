"""Per-client rate limits kept in PostgreSQL, so every copy of the service shares them."""

from __future__ import annotations

import ipaddress
import random

from aiohttp import web

from services.directory.keys import POOL, QUERIES, SETTINGS
from shared.errors import RateLimited


def client_address(request: web.Request) -> str:
    """The client's IP; X-Forwarded-For is believed only from configured trusted proxies."""
    peer = request.remote or "unknown"
    trusted = request.app[SETTINGS].trusted_proxies
    if not trusted:
        return peer
    networks = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in networks)

    if not is_trusted(peer):
        return peer
    # Walk from the nearest hop back; the first address we do not trust is the client.
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            return hop
    return hops[0] if hops else peer


async def spend(request: web.Request, budget: str = "reveal") -> None:
    """Count one action against the client's budget; 429 with Retry-After when it is spent."""
    settings = request.app[SETTINGS]
    bucket = f"{budget}:{client_address(request)}"
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
