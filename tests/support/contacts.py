"""Contacts for a test: a new one's body, and many more in a network."""

from __future__ import annotations

from typing import Any

import asyncpg

NEW_CONTACT: dict[str, Any] = {
    "given_name": "Test",
    "family_name": "Jõemets-Mežecka",
    "titles": {"en": "Adviser", "et": "Nõunik", "lv": "Padomniece", "lt": "Patarėja"},
    "organisation": "providus",
    "phones": ["+371 293 94399", {"number": "7 300 541", "region": "EE", "kind": "work"}],
    "emails": ["Test.Person@Example.ORG"],
    "links": ["https://providus.lv"],
    "networks": [{"network": "lv", "role": "member"}],
}


async def more_contacts(conn: asyncpg.Connection, slug: str, count: int) -> None:
    """`count` extra contacts in the network `slug`, after the demo's."""
    await conn.execute(
        """
        WITH made AS (
          INSERT INTO contacts (uid, given_name, family_name, display_name, titles, position)
          SELECT gen_random_uuid(), 'Ieva', 'Mežecka ' || n, 'Ieva Mežecka ' || n, '{}', 1000 + n
            FROM generate_series(1, $2::int) n
          RETURNING id)
        INSERT INTO memberships (contact_id, network_id, role)
        SELECT id, (SELECT id FROM networks WHERE slug = $1), 'member' FROM made
        """,
        slug,
        count,
    )
