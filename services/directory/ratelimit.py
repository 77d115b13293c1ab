"""The reveal budget: a client may see only so many addresses per window."""

from __future__ import annotations

from aiohttp import web

from services.directory.keys import POOL, QUERIES, SETTINGS
from shared.clientip import budget_client, client_address
from shared.errors import RateLimited
from shared.i18n import NP_
from shared.ratelimit import over_limit


async def spend(request: web.Request, client: str | None = None, budget: str = "reveal") -> None:
    """Count one action against a client's budget; 429 with Retry-After when it is spent.

    `client` is the address another service saw (the vcard service's reveal links); IPv6
    clients share their network's budget (KONTAKT_BUDGET_IPV6_PREFIX).
    """
    settings = request.app[SETTINGS]
    address = client or client_address(request, settings.trusted_proxies)
    who = budget_client(address, settings.budget_ipv6_prefix)
    async with request.app[POOL].acquire() as conn:
        wait = await over_limit(
            conn,
            request.app[QUERIES],
            f"{budget}:{who}",
            settings.reveal_limit,
            settings.reveal_window,
        )
    if wait is not None:
        raise RateLimited(
            NP_(
                "At most %(num)s address per %(minutes)s minutes.",
                "At most %(num)s addresses per %(minutes)s minutes.",
            ),
            retry_after=wait,
            values={"num": settings.reveal_limit, "minutes": settings.reveal_window // 60},
        )
