"""The contact CSV export is streamed in keyset pages from one snapshot, whatever its size."""

from __future__ import annotations

import csv
import io

import asyncpg
import pytest

from services.directory.export import PAGE
from tests.support.api import Api

pytestmark = pytest.mark.usefixtures("demo")

# More than two pages, with positions shared by many contacts (the keyset's tie on id).
MANY = 2 * PAGE + 345


async def test_an_export_of_several_pages_has_every_contact_once_in_order(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    await conn.execute(
        """
        WITH made AS (
            INSERT INTO directory.contacts (family_name, display_name, position)
            SELECT 'Lugeja ' || n, 'Lugeja ' || n, n % 7 FROM generate_series(1, $1) n
            RETURNING id)
        INSERT INTO directory.memberships (contact_id, network_id)
        SELECT made.id, n.id FROM made, directory.networks n WHERE n.slug = 'ee'
        """,
        MANY,
    )
    expected = [
        r["display_name"]
        for r in await conn.fetch(
            """SELECT c.display_name FROM directory.contacts c
                 JOIN directory.memberships m ON m.contact_id = c.id
                 JOIN directory.networks n ON n.id = m.network_id AND n.slug = 'ee'
                ORDER BY c.position, c.id"""
        )
    ]
    export = await directory.as_(admin_token).get("/v1/networks/ee/contacts.csv")
    assert export.status == 200
    # Written as it is read: no length announced before the last row.
    assert "Content-Length" not in export.headers
    assert export.headers.get("Transfer-Encoding") == "chunked"
    # Named as every download is (shared.web.disposition: an ASCII name and RFC 6266's).
    assert export.headers["Content-Disposition"] == (
        "attachment; filename=\"ee-contacts.csv\"; filename*=UTF-8''ee-contacts.csv"
    )
    rows = list(csv.DictReader(io.StringIO(export.body.decode("utf-8-sig"))))
    names = [r["display_name"] for r in rows]
    assert len(names) == len(expected) >= MANY
    assert names == expected
