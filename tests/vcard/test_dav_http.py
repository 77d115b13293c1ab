"""HTTP and WebDAV details clients rely on: HEAD, RFC 9110 preconditions, Allow, 403 bodies."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.support.dav import D, dav
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

WRITES = {
    "PUT": "write-content",
    "DELETE": "unbind",
    "MKCOL": "bind",
    "PROPPATCH": "write-properties",
    "MOVE": "unbind",
    "COPY": "bind",
    "LOCK": "write-content",
    "POST": "bind",
    "ACL": "write-acl",
}


async def an_item(services: Pair) -> tuple[str, str]:
    """The href and ETag of one card of the Estonian book."""
    status, root, _ = await dav(services.vcard, "PROPFIND", "/dav/addressbooks/ee/", Depth="1")
    assert status == 207
    assert root is not None
    item = root.findall(f"{D}response")[1]
    return item.findtext(f"{D}href") or "", item.findtext(f".//{D}getetag") or ""


async def status_of(services: Pair, method: str, path: str, **headers: str) -> int:
    """The status of one request."""
    async with services.vcard.client.request(method, path, headers=headers) as response:
        await response.read()
        return response.status


async def test_head_answers_wherever_get_does(services: Pair) -> None:
    href, etag = await an_item(services)
    for path in (href, "/dav/addressbooks/ee/", "/v1/networks/for-in.vcf", "/v1/networks/ee.zip"):
        async with services.vcard.client.get(path) as got:
            body = await got.read()
            assert got.status == 200, path
        async with services.vcard.client.head(path) as head:
            assert head.status == 200, path
            assert await head.read() == b""
            assert head.headers.get("ETag") == got.headers.get("ETag")
            assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert body
    async with services.vcard.client.head(href, headers={"If-None-Match": etag}) as head:
        assert head.status == 304


async def test_if_none_match_weak_lists_and_star_on_cards_and_downloads(services: Pair) -> None:
    href, etag = await an_item(services)
    listing = await services.directory.get("/v1/networks/for-in/contacts?member=ee")
    download = f"/v1/contacts/{listing.json['items'][0]['id']}.vcf"
    async with services.vcard.client.get(download) as response:
        download_etag = response.headers["ETag"]
    for path, tag in ((href, etag), (download, download_etag)):
        for header in (tag, f"W/{tag}", f'"other", {tag}', f'W/"x", W/{tag}', "*"):
            assert await status_of(services, "GET", path, **{"If-None-Match": header}) == 304, (
                path,
                header,
            )
        assert await status_of(services, "GET", path, **{"If-None-Match": '"other"'}) == 200


async def test_if_match_uses_the_strong_comparison(services: Pair) -> None:
    href, etag = await an_item(services)
    listing = await services.directory.get("/v1/networks/for-in/contacts?member=ee")
    download = f"/v1/contacts/{listing.json['items'][0]['id']}.vcf"
    async with services.vcard.client.get(download) as response:
        download_etag = response.headers["ETag"]
    for path, tag in ((href, etag), (download, download_etag)):
        for header, status in (
            (tag, 200),
            ("*", 200),
            (f'"other", {tag}', 200),
            (f"W/{tag}", 412),
            ('"other"', 412),
        ):
            assert await status_of(services, "GET", path, **{"If-Match": header}) == status, (
                path,
                header,
            )


async def test_allow_says_what_each_resource_does(services: Pair) -> None:
    href, _ = await an_item(services)
    for path in (
        "/",
        "/dav/",
        "/dav/principal/",
        "/dav/addressbooks/",
        "/dav/addressbooks/ee/",
        href,
    ):
        async with services.vcard.client.options(path) as response:
            assert response.status == 200, path
            assert response.headers["DAV"] == "1, 3, addressbook"
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        for method in allowed - {"OPTIONS", "REPORT"}:
            assert await status_of(services, method, path, Depth="0") in (200, 207), (path, method)
        # Whatever is not in Allow is refused: writes with 403, anything else with 405.
        for method in ("GET", "HEAD", "PROPFIND", "REPORT", "TRACE", "SEARCH", *WRITES):
            if method in allowed:
                continue
            status = await status_of(services, method, path)
            assert status == (403 if method in WRITES else 405), (path, method)
            if status == 405:
                async with services.vcard.client.request(method, path) as refused:
                    assert {m.strip() for m in refused.headers["Allow"].split(",")} == allowed


async def test_writes_answer_403_naming_the_privilege_they_need(services: Pair) -> None:
    href, _ = await an_item(services)
    for path in (href, "/dav/addressbooks/ee/", "/dav/addressbooks/new/"):
        for method, privilege in WRITES.items():
            async with services.vcard.client.request(method, path, data=b"x") as response:
                assert response.status == 403, (path, method)
                assert response.headers["Content-Type"].startswith("application/xml")
                root = ET.fromstring(await response.read())  # noqa: S314 (our own answer)
            assert root.tag == f"{D}error"
            need = root.find(f"{D}need-privileges/{D}resource")
            assert need is not None, (path, method)
            assert need.find(f"{D}privilege/{D}{privilege}") is not None, (path, method)
            assert (need.findtext(f"{D}href") or "").startswith("/dav/")


PRINCIPAL_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:"><prop><current-user-principal/><resourcetype/></prop></propfind>"""
HOME_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<prop><C:addressbook-home-set/><displayname/></prop></propfind>"""


TYPED = [
    "/",
    "/dav",
    "/dav/",
    "/dav/principal",
    "/dav/principal/",
    "/dav/addressbooks",
    "/dav/addressbooks/",
    "/dav/addressbooks/ee",
    "/dav/addressbooks/ee/",
]


async def test_discovery_succeeds_from_any_url_a_person_types(services: Pair) -> None:
    for typed in TYPED:
        await discover_from(services, typed)


async def discover_from(services: Pair, typed: str) -> None:
    """current-user-principal, then the home set, then the address books, from `typed`."""
    status, root, _ = await dav(services.vcard, "PROPFIND", typed, PRINCIPAL_QUERY, Depth="0")
    assert status == 207, typed
    assert root is not None
    principal = root.findtext(f".//{D}current-user-principal/{D}href")
    assert principal == "/dav/principal/", typed
    status, root, _ = await dav(services.vcard, "PROPFIND", principal, HOME_QUERY, Depth="0")
    assert root is not None
    home = root.findtext(".//{urn:ietf:params:xml:ns:carddav}addressbook-home-set/{DAV:}href")
    assert home == "/dav/addressbooks/"
    status, root, _ = await dav(services.vcard, "PROPFIND", home, "", Depth="1")
    assert root is not None
    books = [
        r.findtext(f"{D}href")
        for r in root.findall(f"{D}response")
        if r.find(f".//{D}resourcetype/{{urn:ietf:params:xml:ns:carddav}}addressbook") is not None
    ]
    assert "/dav/addressbooks/ee/" in books
