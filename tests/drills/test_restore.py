"""Drill: the database is restored from a file-level copy under running services.

A physical restore (or a point-in-time recovery, or a failover) keeps PostgreSQL's system
identifier and takes the version counter and transaction ids back. Edits made after the
copy are gone; the counter then passes its old values again with other edits. No service
may serve a body of the lost history, under any ETag, and a client holding a sync token
from it must be told to sync afresh.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from services.directory.paths import MIGRATIONS, SCHEMA
from shared.migrate import migrate
from tests.support.dav import SYNC, C, D, client_sync, dav, snapshot
from tests.support.postgres import StoppablePostgres, with_database
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

LOST = "Title of an edit the restore takes away"
KEPT = "Title written after the restore"


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[StoppablePostgres]:
    """A server for this drill alone: its files are copied and put back."""
    server = StoppablePostgres(Path(tempfile.mkdtemp(prefix="kontakt-restore-")))
    yield server
    server.close()


@pytest.fixture
async def db_url(own_postgres: StoppablePostgres) -> str:
    """This module's database, on the server the drill restores (overrides the suite's)."""
    admin = await asyncpg.connect(own_postgres.url)
    await admin.execute("DROP DATABASE IF EXISTS drill WITH (FORCE)")
    await admin.execute("CREATE DATABASE drill")
    await admin.close()
    url = with_database(own_postgres.url, "drill")
    conn = await asyncpg.connect(url)
    await migrate(conn, SCHEMA, MIGRATIONS)
    await conn.close()
    return url


def copy_files(server: StoppablePostgres, source: Path, target: Path) -> None:
    """Stop the server and copy its data folder (owner and modes kept), then start it."""
    server.stop()
    subprocess.run(["rm", "-rf", str(target)], check=True)
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    server.start()


async def until_answered(pair: Pair, path: str) -> None:
    """Wait for the services to reconnect on their own (no restart)."""
    for _ in range(100):
        if (await pair.vcard.get(path)).status == 200:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the services did not come back")


def cards_of(root: ET.Element | None) -> dict[str, str]:
    """address-data by href in a multistatus."""
    assert root is not None
    return {
        r.findtext(f"{D}href") or "": r.findtext(f".//{C}address-data") or ""
        for r in root.findall(f"{D}response")
    }


async def test_no_stale_body_and_a_full_sync_after_a_restore(
    services: Pair,
    own_postgres: StoppablePostgres,
    admin_token: str,
    conn: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    await conn.close()  # the drill's own connection would only be cut
    editor = services.directory.as_(admin_token)
    listing = (await services.directory.get("/v1/networks/for-in/contacts?limit=200")).json
    ids = {c["family_name"]: c for c in listing["items"]}
    zibas, kanarbik = ids["Zibas"], ids["Kanarbik"]
    base = str(services.vcard.client.make_url("")).rstrip("/")
    item = f"/dav/addressbooks/for-in/{zibas['uid']}.vcf"
    pgdata = Path(own_postgres.server.pgdata)
    backup = pgdata.parent / "backup"

    await asyncio.to_thread(copy_files, own_postgres, pgdata, backup)
    await until_answered(services, item)

    # After the copy: an edit, read by every path, so each cache holds it.
    assert (
        await editor.patch(f"/v1/contacts/{zibas['id']}", json={"titles": {"en": LOST}})
    ).status == 200
    public = await services.directory.get(f"/v1/contacts/{zibas['id']}")
    assert public.json["title"] == LOST
    stale_etag = public.headers["ETag"]
    assert LOST in (await services.vcard.get(item)).text
    assert LOST in (await services.vcard.get(f"/v1/contacts/{zibas['id']}.vcf")).text
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/for-in/", SYNC.format(token="")
    )
    assert status == 207
    assert root is not None
    held_token = root.findtext(f"{D}sync-token")
    assert any(LOST in text for text in cards_of(root).values())
    folder = tmp_path / "phone"
    await client_sync(base, folder, "for-in")
    assert any(LOST in text for text in snapshot(folder).values())

    # The restore, under the running services; then another edit of the same size, so the
    # version counter reaches the numbers it had before.
    await asyncio.to_thread(copy_files, own_postgres, backup, pgdata)
    await until_answered(services, item)
    assert (
        await editor.patch(f"/v1/contacts/{kanarbik['id']}", json={"titles": {"en": KEPT}})
    ).status == 200

    # The directory: no body of the lost history, and the old ETag no longer matches.
    again = await services.directory.get(
        f"/v1/contacts/{zibas['id']}", headers={"If-None-Match": stale_etag}
    )
    assert again.status == 200
    assert again.json["title"] != LOST
    assert LOST not in (await services.directory.get("/v1/networks/for-in/contacts")).text

    # The vcard service: nothing of it on any path.
    assert LOST not in (await services.vcard.get(item)).text
    assert LOST not in (await services.vcard.get(f"/v1/contacts/{zibas['id']}.vcf")).text
    async with services.vcard.client.request(
        "PROPFIND", "/dav/addressbooks/for-in/", headers={"Depth": "1"}
    ) as response:
        assert response.status == 207
    hrefs = (
        f"<D:href>{item}</D:href><D:href>/dav/addressbooks/for-in/{kanarbik['uid']}.vcf</D:href>"
    )
    multiget = f"""<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
      <D:prop><D:getetag/><C:address-data/></D:prop>{hrefs}</C:addressbook-multiget>"""
    _, root, _ = await dav(services.vcard, "REPORT", "/dav/addressbooks/for-in/", multiget)
    fetched = cards_of(root)
    assert not any(LOST in text for text in fetched.values())
    assert any(KEPT in text for text in fetched.values())

    # A client holding a token of the lost history is told to start again, and its full
    # sync brings the restored cards.
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/for-in/", SYNC.format(token=held_token)
    )
    assert status == 403
    assert root is not None
    assert root.find(f"{D}valid-sync-token") is not None
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/for-in/", SYNC.format(token="")
    )
    assert status == 207
    full = cards_of(root)
    assert len(full) == 12
    assert not any(LOST in text for text in full.values())
    assert any(KEPT in text for text in full.values())
    await client_sync(base, folder, "for-in")
    synced = snapshot(folder)
    assert not any(LOST in text for text in synced.values())
    assert any(KEPT in text for text in synced.values())
