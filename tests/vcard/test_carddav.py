"""Read-only CardDAV: a real client (vdirsyncer) syncs, and every answer follows the RFCs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from vdirsyncer.storage.dav import CardDAVStorage

from services.vcard.app import create_app as create_vcard
from shared.settings import Settings
from tests.conftest import DEMO_EMAILS, MakeAccount
from tests.support.api import Api
from tests.support.dav import SYNC, C, D, basic, client_sync, dav, snapshot
from tests.support.harvesters import harvest
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_real_client_discovers_syncs_edits_and_deletions(
    services: Pair, admin_token: str, tmp_path: Path
) -> None:
    base = str(services.vcard.client.make_url("")).rstrip("/")
    connector = aiohttp.TCPConnector()
    found = [c async for c in CardDAVStorage.discover(url=f"{base}/", connector=connector)]
    await connector.close()
    assert {c["collection"] for c in found} == {"for-in", "ee", "lv", "lt", "nordic-baltic"}

    folder = tmp_path / "for-in"
    await client_sync(base, folder, "for-in")
    first = snapshot(folder)
    assert len(first) == 12
    assert not any("EMAIL" in text for text in first.values())
    assert any("FN:Lina Kisevičienė" in text for text in first.values())

    listing = (await services.directory.get("/v1/networks/for-in/contacts?limit=200")).json["items"]
    zibas = next(c for c in listing if c["family_name"] == "Zibas")
    edited = await services.directory.as_(admin_token).patch(
        f"/v1/contacts/{zibas['id']}", json={"titles": {"en": "Senior Integration Officer"}}
    )
    assert edited.status == 200
    await client_sync(base, folder, "for-in")
    second = snapshot(folder)
    changed = {name for name in first if first[name] != second.get(name)}
    assert len(changed) == 1  # only the edited card was transferred anew
    assert "TITLE;LANGUAGE=en:Senior Integration Officer" in second[changed.pop()]

    assert (
        await services.directory.as_(admin_token).delete(f"/v1/contacts/{zibas['id']}")
    ).status == 204
    await client_sync(base, folder, "for-in")
    third = snapshot(folder)
    assert len(third) == 11
    assert not any("Zibas" in text for text in third.values())


async def test_read_token_gives_full_cards_until_revoked(
    services: Pair, make_account: MakeAccount, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    base = str(services.vcard.client.make_url("")).rstrip("/")
    _, token = await make_account(
        "phone@example.lt", kind="read", permissions={"lt": ("edit_contacts",)}
    )
    local = tmp_path / "lt"
    await client_sync(base, local, "lt", username="me", password=token)
    cards = snapshot(local)
    assert {
        line for text in cards.values() for line in text.splitlines() if line.startswith("EMAIL")
    } == {
        "EMAIL;TYPE=INTERNET:vida@norden.lt",
        "EMAIL;TYPE=INTERNET:lina@diversitygroup.lt",
    }
    await conn.execute("UPDATE tokens SET revoked_at = now()")
    status, _, head = await dav(
        services.vcard, "PROPFIND", "/dav/addressbooks/lt/", Depth="0", **basic(token + "x")
    )
    assert status == 401
    assert head["WWW-Authenticate"].startswith("Basic")


async def test_discovery_and_collection_properties_follow_rfc_6352(services: Pair) -> None:
    async with services.vcard.client.get("/.well-known/carddav", allow_redirects=False) as response:
        assert response.status == 301
        assert response.headers["Location"] == "/dav/"
    async with services.vcard.client.options("/dav/addressbooks/ee/") as response:
        assert response.headers["DAV"] == "1, 3, addressbook"
        assert "PROPFIND" in response.headers["Allow"]
    body = """<?xml version="1.0"?>
      <D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
      <D:prop><D:current-user-principal/><C:addressbook-home-set/></D:prop></D:propfind>"""
    status, root, _ = await dav(services.vcard, "PROPFIND", "/dav/principal/", body, Depth="0")
    assert status == 207
    assert root is not None
    assert root.findtext(f".//{D}current-user-principal/{D}href") == "/dav/principal/"
    assert root.findtext(f".//{C}addressbook-home-set/{D}href") == "/dav/addressbooks/"

    status, root, _ = await dav(services.vcard, "PROPFIND", "/dav/addressbooks/ee/", "", Depth="0")
    assert root is not None
    prop = root.find(f"{D}response/{D}propstat/{D}prop")
    assert prop is not None
    assert prop.find(f"{D}resourcetype/{D}collection") is not None
    assert prop.find(f"{D}resourcetype/{C}addressbook") is not None
    assert prop.findtext(f"{D}displayname") == "Eesti"
    assert prop.findtext("{http://calendarserver.org/ns/}getctag")
    assert (prop.findtext(f"{D}sync-token") or "").startswith("urn:kontakt:sync:")
    versions = {e.get("version") for e in prop.iter(f"{C}address-data-type")}
    assert versions == {"3.0", "4.0"}
    privileges = [p.tag for p in prop.iter() if p.tag in (f"{D}read", f"{D}write")]
    assert privileges == [f"{D}read"]

    status, root, _ = await dav(services.vcard, "PROPFIND", "/dav/addressbooks/ee/", "", Depth="1")
    assert root is not None
    items = root.findall(f"{D}response")[1:]
    assert len(items) == 5
    for item in items:
        assert (item.findtext(f".//{D}getetag") or "").startswith('"')
        assert item.findtext(f".//{D}getcontenttype") == "text/vcard; charset=utf-8"
    href = items[0].findtext(f"{D}href")
    assert href is not None
    async with services.vcard.client.get(href) as response:
        assert response.headers["ETag"] == items[0].findtext(f".//{D}getetag")
    for method in ("PUT", "DELETE", "MKCOL", "PROPPATCH"):
        status, _, _ = await dav(
            services.vcard, method, href if method != "MKCOL" else "/dav/addressbooks/new/"
        )
        assert status == 403, method
    status, root, _ = await dav(
        services.vcard, "PROPFIND", "/dav/addressbooks/ee/", "", Depth="infinity"
    )
    assert status == 403


async def test_sync_collection_reports_changes_and_deletions_across_restarts(
    services: Pair, admin_token: str, settings: Settings, directory_spec: Any, vcard_spec: Any
) -> None:
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token="")
    )
    assert status == 207
    assert root is not None
    assert len(root.findall(f"{D}response")) == 4
    token = root.findtext(f"{D}sync-token")
    assert token
    listing = (await services.directory.get("/v1/networks/for-in/contacts?member=lv")).json["items"]
    sebre, lace = listing[1], listing[3]
    await services.directory.as_(admin_token).patch(
        f"/v1/contacts/{sebre['id']}", json={"position": 35}
    )
    await services.directory.as_(admin_token).delete(f"/v1/contacts/{lace['id']}")

    # A new vcard process: tokens live in PostgreSQL, not in memory.
    configured = settings.replace(
        directory_url=str(services.directory.client.make_url("")).rstrip("/")
    )
    async with TestClient(TestServer(create_vcard(configured))) as restarted:
        api = Api(restarted, vcard_spec)
        status, root, _ = await dav(
            api, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token=token)
        )
    assert status == 207
    assert root is not None
    by_href = {r.findtext(f"{D}href"): r for r in root.findall(f"{D}response")}
    assert set(by_href) == {
        f"/dav/addressbooks/lv/{sebre['uid']}.vcf",
        f"/dav/addressbooks/lv/{lace['uid']}.vcf",
    }
    assert (
        by_href[f"/dav/addressbooks/lv/{lace['uid']}.vcf"].findtext(f"{D}status")
        == "HTTP/1.1 404 Not Found"
    )
    assert "FN:Alda Sebre" in (
        by_href[f"/dav/addressbooks/lv/{sebre['uid']}.vcf"].findtext(f".//{C}address-data") or ""
    )
    newer = root.findtext(f"{D}sync-token")
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token=newer)
    )
    assert root is not None
    assert root.findall(f"{D}response") == []
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token="urn:kontakt:sync:x:y")
    )
    assert status == 403
    assert root is not None
    assert root.find(f"{D}valid-sync-token") is not None


async def test_views_never_share_tokens_or_etags(services: Pair, make_account: MakeAccount) -> None:
    _, token = await make_account(
        "reader@example.lv", kind="read", permissions={"lv": ("edit_contacts",)}
    )
    _, anonymous_root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token="")
    )
    _, full_root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token=""), **basic(token)
    )
    assert anonymous_root is not None
    assert full_root is not None
    anonymous_etags = {e.text for e in anonymous_root.iter(f"{D}getetag")}
    full_etags = {e.text for e in full_root.iter(f"{D}getetag")}
    assert not anonymous_etags & full_etags
    anonymous_token = anonymous_root.findtext(f"{D}sync-token")
    status, _root, _ = await dav(
        services.vcard,
        "REPORT",
        "/dav/addressbooks/lv/",
        SYNC.format(token=anonymous_token),
        **basic(token),
    )
    assert status == 403  # a token of the anonymous view is no good for the full one


async def test_multiget_and_query(services: Pair) -> None:
    listing = (await services.directory.get("/v1/networks/for-in/contacts?member=lt")).json["items"]
    hrefs = "".join(f"<D:href>/dav/addressbooks/lt/{c['uid']}.vcf</D:href>" for c in listing)
    multiget = f"""<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
      <D:prop><D:getetag/><C:address-data version="4.0"/></D:prop>{hrefs}
      <D:href>/dav/addressbooks/lt/00000000-0000-0000-0000-000000000000.vcf</D:href></C:addressbook-multiget>"""
    status, root, _ = await dav(services.vcard, "REPORT", "/dav/addressbooks/lt/", multiget)
    assert status == 207
    assert root is not None
    data = [e.text or "" for e in root.iter(f"{C}address-data")]
    assert len(data) == 2
    assert all("VERSION:4.0" in d for d in data)
    assert root.findall(f"{D}response")[-1].findtext(f"{D}status") == "HTTP/1.1 404 Not Found"

    def query(prop: str, text: str) -> str:
        return f"""<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
          <D:prop><D:getetag/><C:address-data/></D:prop>
          <C:filter><C:prop-filter name="{prop}"><C:text-match collation="i;unicode-casemap"
           match-type="contains">{text}</C:text-match></C:prop-filter></C:filter></C:addressbook-query>"""

    _, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/for-in/", query("FN", "KISEVI")
    )
    assert root is not None
    assert [("Lina Kisevičienė" in (e.text or "")) for e in root.iter(f"{C}address-data")] == [True]
    _, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/for-in/", query("ORG", "providus")
    )
    assert root is not None
    assert len(root.findall(f"{D}response")) == 2
    # A limit in ASCII digits is applied; digits `int()` refuses ("²") or cannot hold ask none.
    for nresults, shown in (("1", 1), ("²", 2), ("9" * 5000, 2)):
        limited = query("ORG", "providus").replace(
            "</C:addressbook-query>",
            f"<C:limit><C:nresults>{nresults}</C:nresults></C:limit></C:addressbook-query>",
        )
        status, root, _ = await dav(services.vcard, "REPORT", "/dav/addressbooks/for-in/", limited)
        assert status == 207, nresults[:9]
        assert root is not None
        assert len(root.findall(f"{D}response")) == shown
    # Anonymous callers cannot use EMAIL queries to test whether an address is there.
    _, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/for-in/", query("EMAIL", "norden")
    )
    assert root is not None
    assert root.findall(f"{D}response") == []


async def test_private_network_needs_a_read_token(
    services: Pair, admin_token: str, make_account: MakeAccount
) -> None:
    await services.directory.as_(admin_token).patch("/v1/networks/ee", json={"is_private": True})
    status, _, head = await dav(services.vcard, "PROPFIND", "/dav/addressbooks/ee/", Depth="0")
    assert status == 401
    assert 'Basic realm="Kontakt"' in head["WWW-Authenticate"]
    _, root, _ = await dav(services.vcard, "PROPFIND", "/dav/addressbooks/", Depth="1")
    assert root is not None
    assert "/dav/addressbooks/ee/" not in [
        r.findtext(f"{D}href") for r in root.findall(f"{D}response")
    ]
    _, token = await make_account(
        "ee@example.ee", kind="read", permissions={"ee": ("edit_contacts",)}
    )
    status, _, _ = await dav(
        services.vcard, "PROPFIND", "/dav/addressbooks/ee/", Depth="0", **basic(token)
    )
    assert status == 207


async def test_no_anonymous_carddav_answer_carries_an_address(services: Pair) -> None:
    texts = []
    for book in ("for-in", "ee", "lv", "lt", "nordic-baltic"):
        _, _, _ = await dav(services.vcard, "PROPFIND", f"/dav/addressbooks/{book}/", Depth="1")
        async with services.vcard.client.request(
            "PROPFIND", f"/dav/addressbooks/{book}/", headers={"Depth": "1"}
        ) as r:
            texts.append(await r.text())
        async with services.vcard.client.request(
            "REPORT", f"/dav/addressbooks/{book}/", data=SYNC.format(token="")
        ) as r:
            body = await r.text()
            texts.append(body)
        for href in ET.fromstring(body).iter(f"{D}href"):  # noqa: S314 (our own answer)
            async with services.vcard.client.get(href.text or "") as r:
                texts.append(await r.text())
    for text in texts:
        assert not harvest(text) & set(DEMO_EMAILS)
