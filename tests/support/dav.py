"""CardDAV as phones speak it: requests, sync reports, vdirsyncer's own sync."""

from __future__ import annotations

import asyncio
import base64
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp
from vdirsyncer.storage.dav import CardDAVStorage
from vdirsyncer.storage.filesystem import FilesystemStorage
from vdirsyncer.sync import sync
from vdirsyncer.sync.status import SqliteStatus

from tests.support.api import Api
from tests.support.services import Pair

D, C = "{DAV:}", "{urn:ietf:params:xml:ns:carddav}"


def basic(token: str) -> dict[str, str]:
    """Basic auth as a phone sends it: any user name, the read token as password."""
    return {"Authorization": "Basic " + base64.b64encode(f"me:{token}".encode()).decode()}


async def dav(
    api: Api, method: str, path: str, body: str = "", **headers: str
) -> tuple[int, ET.Element | None, Any]:
    """A WebDAV request; the 207 body parsed and checked for the multistatus shape."""
    async with api.client.request(method, path, data=body.encode(), headers=headers) as response:
        raw = await response.read()
        status, head = response.status, response.headers
    root = None
    if raw and head.get("Content-Type", "").startswith("application/xml"):
        root = ET.fromstring(raw)  # noqa: S314 (our own answer)
    if status == 207:
        assert root is not None
        assert root.tag == f"{D}multistatus"
        for item in root.findall(f"{D}response"):
            assert item.find(f"{D}href") is not None
            statuses = [s.text for s in item.iter(f"{D}status")]
            assert statuses
            assert all(s and s.startswith("HTTP/1.1 ") for s in statuses)
    return status, root, head


async def client_sync(base: str, folder: Path, collection: str, **auth: str) -> FilesystemStorage:
    """vdirsyncer's own sync of one address book into a folder."""
    connector = aiohttp.TCPConnector()
    remote = CardDAVStorage(
        url=f"{base}/dav/addressbooks/{collection}/", connector=connector, read_only=True, **auth
    )
    await asyncio.to_thread(folder.mkdir, exist_ok=True)
    local = FilesystemStorage(str(folder), ".vcf")
    status = SqliteStatus(str(folder.parent / f"{folder.name}.status"))
    try:
        await sync(remote, local, status, conflict_resolution="a wins", partial_sync="ignore")
    finally:
        await connector.close()
    return local


def snapshot(folder: Path) -> dict[str, str]:
    """The folder's cards by file name."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.vcf"))}


SYNC = """<?xml version="1.0"?>
<D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>
  <D:prop><D:getetag/><C:address-data/></D:prop></D:sync-collection>"""


async def sync_report(
    pair: Pair, book: str, token: str = "", **auth: str
) -> tuple[dict[str, str], str]:
    """One sync-collection REPORT: {uid: status line} and the next sync token."""
    path = f"/dav/addressbooks/{book}/"
    status, root, _ = await dav(pair.vcard, "REPORT", path, SYNC.format(token=token), **auth)
    assert status == 207
    assert root is not None
    entries = {}
    for item in root.findall(f"{D}response"):
        href = item.findtext(f"{D}href") or ""
        uid = href.rsplit("/", 1)[-1].removesuffix(".vcf")
        entries[uid] = item.findtext(f"{D}status") or item.findtext(f".//{D}status") or ""
    return entries, root.findtext(f"{D}sync-token") or ""


def inner(token: str) -> str:
    """The directory's token inside a vcard sync token."""
    part = token.rpartition(":")[2]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
