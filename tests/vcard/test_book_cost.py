"""A card costs the same in a book of 5 contacts or of 600: one directory request at most."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from services.vcard.keys import LIBRARY
from tests.support.dav import C, D, dav
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

MANY = 600


async def grow(conn: asyncpg.Connection, network: str, count: int) -> None:
    """`count` more published contacts in `network`, written as one statement each."""
    await conn.execute(
        """WITH made AS (
             INSERT INTO contacts (given_name, family_name, display_name, position)
             SELECT 'Žydrūnė', 'Kisevičienė-' || n, 'Žydrūnė Kisevičienė-' || n, 1000 + n
               FROM generate_series(1, $1) n RETURNING id)
           INSERT INTO memberships (contact_id, network_id)
           SELECT id, (SELECT id FROM networks WHERE slug = $2) FROM made""",
        count,
        network,
    )


async def hrefs_of(services: Pair, book: str) -> list[str]:
    """Every card's href in a book."""
    _, root, _ = await dav(services.vcard, "PROPFIND", f"/dav/addressbooks/{book}/", Depth="1")
    assert root is not None
    return [r.findtext(f"{D}href") or "" for r in root.findall(f"{D}response")[1:]]


async def asked(services: Pair, method: str, path: str, body: str = "") -> list[str]:
    """What one vcard request asked the directory."""
    services.directory_requests.clear()
    async with services.vcard.client.request(method, path, data=body.encode()) as response:
        await response.read()
        assert response.status in (200, 207), (method, path, response.status)
    return list(services.directory_requests)


def multiget(hrefs: list[str]) -> str:
    """An addressbook-multiget of these cards."""
    listed = "".join(f"<D:href>{h}</D:href>" for h in hrefs)
    return f"""<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
      <D:prop><D:getetag/><C:address-data/></D:prop>{listed}</C:addressbook-multiget>"""


async def test_cards_cost_one_directory_request_whatever_the_book_size(
    services: Pair, conn: asyncpg.Connection, admin_token: str
) -> None:
    await grow(conn, "lt", MANY)
    small, large = await hrefs_of(services, "ee"), await hrefs_of(services, "lt")
    assert len(small) == 5
    assert len(large) == MANY + 2
    for hrefs, book in ((small, "ee"), (large, "lt")):
        assert await asked(services, "GET", hrefs[-1]) == ["GET /v1/sync"]
        assert await asked(services, "HEAD", hrefs[0]) == ["GET /v1/sync"]
        assert await asked(
            services, "REPORT", f"/dav/addressbooks/{book}/", multiget(hrefs[:100])
        ) == ["GET /v1/sync"]

    # After an edit, only what changed is read again, however large the book.
    listing = (await services.directory.get("/v1/networks/for-in/contacts?member=lt")).json
    lina = listing["items"][1]
    edited = await services.directory.as_(admin_token).patch(
        f"/v1/contacts/{lina['id']}", json={"titles": {"en": "Counsellor"}}
    )
    assert edited.status == 200
    target = f"/dav/addressbooks/lt/{lina['uid']}.vcf"
    calls = await asked(services, "GET", target)
    assert [c.partition("?")[0] for c in calls] == [
        "GET /v1/sync",
        "GET /v1/networks",
        "GET /v1/sync",
        "GET /v1/networks/lt/contacts",
    ]
    assert f"uid={lina['uid']}" in calls[-1]
    _, root, _ = await dav(services.vcard, "REPORT", "/dav/addressbooks/lt/", multiget([target]))
    assert root is not None
    assert "TITLE;LANGUAGE=en:Counsellor" in (root.findtext(f".//{C}address-data") or "")


async def test_a_whole_book_is_streamed_and_keeps_no_lock(
    services: Pair, conn: asyncpg.Connection, admin_token: str
) -> None:
    """GET of a book sends its cards a piece at a time (chunked, no one joined string), and
    the per-book locks are forgotten once nobody reads the book (they never were before)."""
    await grow(conn, "lt", MANY)
    path = "/dav/addressbooks/lt/"
    async with services.vcard.client.get(path) as got:
        assert got.status == 200
        assert got.headers.get("Transfer-Encoding") == "chunked"
        assert "Content-Length" not in got.headers
        pieces = [piece async for piece in got.content.iter_chunks()]
        etag = got.headers["ETag"]
    body = b"".join(piece for piece, _ in pieces).decode()
    assert body.count("BEGIN:VCARD\r\n") == body.count("END:VCARD\r\n") == MANY + 2
    assert len(pieces) > 1
    async with services.vcard.client.get(path, headers={"If-None-Match": etag}) as again:
        assert again.status == 304
    # Many readers of many books in several views at once; afterwards no lock is kept.
    library = services.vcard.client.app[LIBRARY]
    readers = [
        services.vcard.as_(token).get(f"/dav/addressbooks/{book}/")
        for book in ("ee", "lv", "lt", "nordic-baltic")
        for token in (None, admin_token)
        for _ in range(3)
    ]
    assert {reply.status for reply in await asyncio.gather(*readers)} == {200}
    assert library.locks == 0
