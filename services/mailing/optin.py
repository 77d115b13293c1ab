"""Double opt-in: a wish recorded, one confirmation owed; the public forms' request budget."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.mailing.keys import POOL, QUERIES, SETTINGS
from shared.clientip import client_address, client_budget
from shared.conn import Conn
from shared.ratelimit import over_limit


async def client_over_limit(request: web.Request, action: str = "subscribe") -> int | None:
    """Seconds to wait when this client has asked for `action` too often (public forms), else None.

    Each action a stranger can repeat to make us send mail (subscribe, a preferences link)
    has its own bucket per client, with the subscribe form's limit.
    """
    settings = request.app[SETTINGS]
    who = client_budget(request, settings.trusted_proxies, settings.budget_ipv6_prefix)
    bucket = f"{action}:{who}"
    async with request.app[POOL].acquire() as conn:
        return await over_limit(
            conn, request.app[QUERIES], bucket, settings.subscribe_limit, settings.reveal_window
        )


async def subscribe(
    request: web.Request, lst: asyncpg.Record, address: str, name: str, lang: str, via: str
) -> None:
    """Record the wish and owe at most one confirmation per window, sent by the outbox.

    The same statements run whatever is known about the address (new, pending, confirmed,
    suppressed): neither the answer nor its time tells anyone more.
    """
    async with request.app[POOL].acquire() as conn, conn.transaction():
        subscriber = await conn.fetchval(request.app[QUERIES]["upsert-subscriber"], address, name)
        await ask_to_confirm(request, conn, lst["id"], subscriber, name, lang, via)


async def ask_to_confirm(
    request: web.Request,
    conn: Conn,
    list_id: int,
    subscriber: int,
    name: str,
    lang: str,
    via: str,
) -> None:
    """Subscriber `subscriber` asks for list `list_id`: pending, and a confirmation owed.

    A confirmed subscription stays as it is; one that ended (unsubscribed, bounced) waits
    for confirmation again; a block or a complaint stays. Run inside a transaction.
    """
    settings = request.app[SETTINGS]
    q = request.app[QUERIES]
    client = client_address(request, settings.trusted_proxies)
    await conn.execute(q["insert-subscription"], list_id, subscriber, lang, name)
    await conn.execute(q["restart-subscription"], list_id, subscriber)
    await conn.execute(q["request-consent"], list_id, subscriber, via, client)
    # What this request asked for (name, language) travels in the confirmation link and
    # takes effect only when the person who reads the mail confirms it.
    await conn.execute(
        q["claim-confirmation"], list_id, subscriber, settings.confirm_window, name, lang
    )
