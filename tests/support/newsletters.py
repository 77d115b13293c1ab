"""A newsletter list of the Estonian network and its people, set up for a test."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.conftest import MakeAccount
from tests.support.mailing import Mailing

EE_LIST: dict[str, Any] = {
    "slug": "ee-uudised",
    "network": "ee",
    "lang": "et",
    "names": {"et": "FOR-IN Eesti uudiskiri", "en": "FOR-IN Estonia newsletter"},
    "from_name": "Madis Kanarbik",
    "from_address": "uudised@example.ee",
}


async def make_list(mailing: Mailing, token: str, data: dict[str, Any] = EE_LIST) -> dict[str, Any]:
    """Create a list through the API."""
    reply = await mailing.api.as_(token).post("/v1/lists", json=data)
    assert reply.status == 201, reply.text
    created: dict[str, Any] = reply.json
    return created


async def people(
    conn: asyncpg.Connection, list_slug: str, rows: list[tuple[str, str, str]]
) -> None:
    """Subscribers in given states, straight into the tables (set-up, not the path under test)."""
    list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = $1", list_slug)
    for address, name, status in rows:
        subscriber = await conn.fetchval(
            "INSERT INTO mailing.subscribers (email, name) VALUES ($1, $2) RETURNING id",
            address,
            name,
        )
        await conn.execute(
            "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
            "VALUES ($1, $2, $3, 'et')",
            list_id,
            subscriber,
            status,
        )


async def readers(
    conn: asyncpg.Connection, list_slug: str, addresses: list[str], name: str
) -> None:
    """Many confirmed subscribers in one statement (set-up for the larger campaigns)."""
    await conn.execute(
        "WITH s AS (INSERT INTO mailing.subscribers (email, name) "
        "SELECT a, $3 FROM unnest($1::text[]) a RETURNING id) "
        "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
        "SELECT (SELECT id FROM mailing.lists WHERE slug = $2), id, 'confirmed', 'et' FROM s",
        addresses,
        list_slug,
        name,
    )


async def tokens(make_account: MakeAccount) -> tuple[str, str]:
    """An editor (manage_lists) and a sender (send_campaigns) of the Estonian network."""
    _, editor = await make_account("editor@example.ee", permissions={"ee": ("manage_lists",)})
    _, sender = await make_account(
        "sender@example.ee", permissions={"ee": ("manage_lists", "send_campaigns")}
    )
    return editor, sender
