"""A read-only CardDAV address book per network (RFC 6352, RFC 6578 sync, RFC 6764 discovery)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from services.vcard.access import View, view_of
from services.vcard.cards import Card, card_from_contact
from services.vcard.davxml import (
    CARD,
    CS,
    DAV,
    BadXml,
    Props,
    element,
    error,
    gone,
    href_element,
    multistatus,
    parse,
    response,
    tag,
)
from services.vcard.keys import DIRECTORY, SETTINGS
from services.vcard.render import vcard
from shared.errors import Forbidden, NotFound, Unauthenticated, problem
from shared.i18n import pick

routes = web.RouteTableDef()

ROOT = "/dav/"
PRINCIPAL = "/dav/principal/"
HOME = "/dav/addressbooks/"
DAV_HEADER = "1, 3, addressbook"
ALLOW = "OPTIONS, GET, HEAD, PROPFIND, REPORT"
TEXT_VCARD = "text/vcard; charset=utf-8"
COLLECTION_PROPS = [
    tag(DAV, "resourcetype"),
    tag(DAV, "displayname"),
    tag(CS, "getctag"),
    tag(DAV, "sync-token"),
    tag(CARD, "supported-address-data"),
    tag(DAV, "current-user-privilege-set"),
    tag(DAV, "current-user-principal"),
    tag(DAV, "supported-report-set"),
    tag(CARD, "addressbook-description"),
]
ITEM_PROPS = [tag(DAV, "getetag"), tag(DAV, "getcontenttype"), tag(DAV, "resourcetype")]


@dataclass(frozen=True, slots=True)
class Member:
    """One contact in an address book, as this caller sees it."""

    uid: str
    href: str
    etag: str
    contact: dict[str, Any]
    card: Card
    text: str


@dataclass(frozen=True, slots=True)
class Book:
    """One address book: a network and everything below it."""

    slug: str
    name: str
    lang: str
    view: View


def _unauthorized(detail: str) -> web.Response:
    return problem(
        401, detail, headers={"WWW-Authenticate": 'Basic realm="Kontakt", charset="UTF-8"'}
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def dav(handler: Handler) -> Handler:
    """Common to every DAV answer: the DAV header, Basic challenges, bad XML as 400."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            answer = await handler(request)
        except Unauthenticated as exc:
            return _unauthorized(exc.detail)
        except BadXml as exc:
            return problem(400, f"The request body is not valid XML: {exc}")
        answer.headers["DAV"] = DAV_HEADER
        return answer

    return wrapped


async def _view(request: web.Request) -> View:
    return await view_of(request, request.app[DIRECTORY], request.app[SETTINGS], reveal_ok=False)


def _may_open(view: View, info: dict[str, Any], slug: str) -> bool:
    return not info["is_private"] or view.everything or slug in view.networks


async def _book(request: web.Request, slug: str) -> Book:
    view = await _view(request)
    networks = await request.app[DIRECTORY].network_info()
    info = networks.get(slug)
    if info is None:
        raise NotFound(f"No address book {slug!r}.")
    if not _may_open(view, info, slug):
        if view.anonymous:
            raise Unauthenticated(
                "This address book is private: sign in with a Kontakt read token."
            )
        raise NotFound(f"No address book {slug!r}.")
    lang = info["default_lang"]
    return Book(slug, pick(info["names"], lang, lang) or slug, lang, view)


async def _members(request: web.Request, book: Book) -> dict[str, Member]:
    directory = request.app[DIRECTORY]
    networks = await directory.network_info()
    names = {s: info["names"] for s, info in networks.items()}
    members: dict[str, Member] = {}
    async for contact in directory.contacts(book.slug, None):
        card = card_from_contact(contact, book.lang, names, book.view.emails(contact))
        text = vcard(card, "3.0")
        digest = hashlib.sha256(f"{book.view.key}\n{text}".encode()).hexdigest()[:32]
        href = f"{HOME}{book.slug}/{contact['uid']}.vcf"
        members[contact["uid"]] = Member(contact["uid"], href, f'"{digest}"', contact, card, text)
    return members


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def sync_token(book: Book, snapshot: str) -> str:
    """A sync-token URI; the view is part of it, so the anonymous and full views never mix."""
    return f"urn:kontakt:sync:{_encode(book.view.key)}:{_encode(snapshot)}"


def snapshot_of(book: Book, token: str) -> str | None:
    """The directory snapshot in a token of this view, or None when it is not one."""
    parts = token.strip().split(":")
    if len(parts) != 5 or parts[:3] != ["urn", "kontakt", "sync"]:
        return None
    try:
        if _decode(parts[3]) != book.view.key:
            return None
        return _decode(parts[4])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def ctag(book: Book, version: int) -> str:
    """Changes whenever the directory's data (or the caller's view) does."""
    return hashlib.sha256(f"{book.view.key}:{version}".encode()).hexdigest()[:24]


def _wanted(body: ET.Element | None, defaults: list[str]) -> list[str]:
    if body is None or body.find(tag(DAV, "allprop")) is not None:
        return defaults
    prop = body.find(tag(DAV, "prop"))
    if body.find(tag(DAV, "propname")) is not None or prop is None:
        return defaults
    return [child.tag for child in prop]


def _address_data(member: Member, book: Book, request: ET.Element | None) -> ET.Element:
    version = "3.0"
    if request is not None and request.get("version") == "4.0":
        version = "4.0"
    text = member.text if version == "3.0" else vcard(member.card, "4.0")
    return element(tag(CARD, "address-data"), text=text)


def _member_response(
    member: Member, book: Book, wanted: list[str], data_request: ET.Element | None
) -> ET.Element:
    found: Props = {}
    missing = []
    for name in wanted:
        if name == tag(DAV, "getetag"):
            found[name] = member.etag
        elif name == tag(DAV, "getcontenttype"):
            found[name] = TEXT_VCARD
        elif name == tag(DAV, "resourcetype"):
            found[name] = element(name)
        elif name == tag(CARD, "address-data"):
            found[name] = _address_data(member, book, data_request)
        elif name == tag(DAV, "displayname"):
            found[name] = member.contact["display_name"]
        else:
            missing.append(name)
    return response(member.href, found, missing)


def _collection_props(book: Book, version: int, snapshot: str, wanted: list[str]) -> ET.Element:
    found: Props = {}
    missing = []
    for name in wanted:
        if name == tag(DAV, "resourcetype"):
            found[name] = element(
                name, element(tag(DAV, "collection")), element(tag(CARD, "addressbook"))
            )
        elif name == tag(DAV, "displayname"):
            found[name] = book.name
        elif name == tag(CS, "getctag"):
            found[name] = ctag(book, version)
        elif name == tag(DAV, "sync-token"):
            found[name] = sync_token(book, snapshot)
        elif name == tag(CARD, "supported-address-data"):
            found[name] = element(
                name,
                element(
                    tag(CARD, "address-data-type"),
                    **{"content-type": "text/vcard", "version": "3.0"},
                ),
                element(
                    tag(CARD, "address-data-type"),
                    **{"content-type": "text/vcard", "version": "4.0"},
                ),
            )
        elif name == tag(DAV, "current-user-privilege-set"):
            found[name] = element(name, element(tag(DAV, "privilege"), element(tag(DAV, "read"))))
        elif name == tag(DAV, "current-user-principal"):
            found[name] = href_element(name, PRINCIPAL)
        elif name == tag(DAV, "supported-report-set"):
            found[name] = element(
                name,
                *(
                    element(
                        tag(DAV, "supported-report"), element(tag(DAV, "report"), element(report))
                    )
                    for report in (
                        tag(CARD, "addressbook-multiget"),
                        tag(CARD, "addressbook-query"),
                        tag(DAV, "sync-collection"),
                    )
                ),
            )
        elif name == tag(CARD, "addressbook-description"):
            found[name] = book.name
        else:
            missing.append(name)
    return response(f"{HOME}{book.slug}/", found, missing)


def _depth(request: web.Request) -> str:
    depth = request.headers.get("Depth", "1").strip().lower()
    return depth if depth in {"0", "1"} else "infinity"


def _principal_props(href: str, wanted: list[str], home: bool = False) -> ET.Element:
    found: Props = {}
    missing = []
    for name in wanted:
        if name == tag(DAV, "current-user-principal"):
            found[name] = href_element(name, PRINCIPAL)
        elif name == tag(CARD, "addressbook-home-set"):
            found[name] = href_element(name, HOME)
        elif name == tag(DAV, "principal-URL"):
            found[name] = href_element(name, PRINCIPAL)
        elif name == tag(DAV, "resourcetype"):
            kind = element(tag(DAV, "collection")) if home else element(tag(DAV, "principal"))
            found[name] = element(name, kind)
        elif name == tag(DAV, "displayname"):
            found[name] = "Kontakt"
        elif name == tag(DAV, "current-user-privilege-set"):
            found[name] = element(name, element(tag(DAV, "privilege"), element(tag(DAV, "read"))))
        else:
            missing.append(name)
    return response(href, found, missing)


PRINCIPAL_PROPS = [
    tag(DAV, "current-user-principal"),
    tag(CARD, "addressbook-home-set"),
    tag(DAV, "resourcetype"),
    tag(DAV, "displayname"),
]


@routes.route("*", "/.well-known/carddav")
async def well_known(_: web.Request) -> web.Response:
    """RFC 6764: where the CardDAV service lives."""
    raise web.HTTPMovedPermanently(ROOT)


async def _options(_: web.Request) -> web.Response:
    return web.Response(status=200, headers={"DAV": DAV_HEADER, "Allow": ALLOW})


async def _refuse(_: web.Request) -> web.Response:
    raise Forbidden("These address books are read-only; change contacts in the directory.")


async def _propfind_root(request: web.Request) -> web.Response:
    if _depth(request) == "infinity":
        return error(403, "propfind-finite-depth")
    view = await _view(request)
    wanted = _wanted(parse(await request.read()), PRINCIPAL_PROPS)
    path = request.path if request.path.endswith("/") else request.path + "/"
    responses = [_principal_props(path, wanted, home=path == HOME)]
    if path == HOME and _depth(request) == "1":
        point = await request.app[DIRECTORY].sync_point(None)
        networks = await request.app[DIRECTORY].network_info()
        for slug, info in networks.items():
            if _may_open(view, info, slug):
                lang = info["default_lang"]
                book = Book(slug, pick(info["names"], lang, lang) or slug, lang, view)
                responses.append(
                    _collection_props(
                        book,
                        point["version"],
                        point["token"],
                        COLLECTION_PROPS if wanted == PRINCIPAL_PROPS else wanted,
                    )
                )
    return multistatus(responses)


async def _propfind_book(request: web.Request) -> web.Response:
    if _depth(request) == "infinity":
        return error(403, "propfind-finite-depth")
    book = await _book(request, request.match_info["slug"])
    body = parse(await request.read())
    point = await request.app[DIRECTORY].sync_point(None)
    responses = [
        _collection_props(book, point["version"], point["token"], _wanted(body, COLLECTION_PROPS))
    ]
    if _depth(request) == "1":
        wanted = _wanted(body, ITEM_PROPS)
        members = await _members(request, book)
        responses += [_member_response(m, book, wanted, None) for m in members.values()]
    return multistatus(responses)


def _uid_of(request: web.Request) -> str:
    return unquote(request.match_info["item"]).removesuffix(".vcf")


async def _member(request: web.Request) -> tuple[Member, Book]:
    book = await _book(request, request.match_info["slug"])
    members = await _members(request, book)
    member = members.get(_uid_of(request))
    if member is None:
        raise NotFound("No such card in this address book.")
    return member, book


async def _propfind_item(request: web.Request) -> web.Response:
    member, book = await _member(request)
    wanted = _wanted(parse(await request.read()), ITEM_PROPS)
    return multistatus([_member_response(member, book, wanted, None)])


async def _get_item(request: web.Request) -> web.Response:
    member, _ = await _member(request)
    if request.headers.get("If-None-Match") == member.etag:
        return web.Response(status=304, headers={"ETag": member.etag})
    return web.Response(
        body=member.text.encode(),
        headers={
            "Content-Type": TEXT_VCARD,
            "ETag": member.etag,
            "Cache-Control": "private, no-cache",
        },
    )


def _text_match(card_values: list[str], match: ET.Element) -> bool:
    needle = (match.text or "").casefold()
    kind = match.get("match-type", "contains")
    values = [v.casefold() for v in card_values]
    if match.get("collation") == "i;octet":
        needle, values = match.text or "", card_values
    hit = any(
        (needle in v)
        if kind == "contains"
        else v == needle
        if kind == "equals"
        else v.startswith(needle)
        if kind == "starts-with"
        else v.endswith(needle)
        for v in values
    )
    return hit != (match.get("negate-condition") == "yes")


def _matches(member: Member, book: Book, filters: ET.Element | None) -> bool:
    if filters is None:
        return True
    contact = member.contact
    fields = {
        "FN": [contact["display_name"]],
        "EMAIL": book.view.emails(contact),  # only what this caller may see: no probing
        "ORG": [n for n in ((contact.get("organisation") or {}).get("names") or {}).values()],
        "N": [contact["family_name"], contact["given_name"]],
    }
    results = []
    for prop_filter in filters.findall(tag(CARD, "prop-filter")):
        values = fields.get((prop_filter.get("name") or "").upper(), [])
        if prop_filter.find(tag(CARD, "is-not-defined")) is not None:
            results.append(not values)
            continue
        matches = prop_filter.findall(tag(CARD, "text-match"))
        tests = [_text_match(values, m) for m in matches] or [bool(values)]
        results.append(all(tests) if prop_filter.get("test") == "allof" else any(tests))
    if not results:
        return True
    return all(results) if filters.get("test") == "allof" else any(results)


async def _report(request: web.Request) -> web.Response:
    book = await _book(request, request.match_info["slug"])
    body = parse(await request.read())
    if body is None:
        return problem(400, "A REPORT needs a body.")
    prop = body.find(tag(DAV, "prop"))
    wanted = [child.tag for child in prop] if prop is not None else ITEM_PROPS
    data_request = prop.find(tag(CARD, "address-data")) if prop is not None else None
    if body.tag == tag(CARD, "addressbook-multiget"):
        members = {m.href: m for m in (await _members(request, book)).values()}
        responses = []
        for href in body.findall(tag(DAV, "href")):
            path = unquote((href.text or "").strip())
            path = path[path.find("/dav/") :] if "/dav/" in path else path
            member = members.get(path)
            responses.append(
                _member_response(member, book, wanted, data_request) if member else gone(path)
            )
        return multistatus(responses)
    if body.tag == tag(CARD, "addressbook-query"):
        members = await _members(request, book)
        limit_element = body.find(f"{tag(CARD, 'limit')}/{tag(CARD, 'nresults')}")
        count = limit_element.text if limit_element is not None else None
        limit = int(count) if count and count.isdigit() else None
        hits = [m for m in members.values() if _matches(m, book, body.find(tag(CARD, "filter")))]
        return multistatus([_member_response(m, book, wanted, data_request) for m in hits[:limit]])
    if body.tag == tag(DAV, "sync-collection"):
        return await _sync_collection(request, book, body, wanted, data_request)
    return error(403, "supported-report")


async def _sync_collection(
    request: web.Request,
    book: Book,
    body: ET.Element,
    wanted: list[str],
    data_request: ET.Element | None,
) -> web.Response:
    given = (body.findtext(tag(DAV, "sync-token")) or "").strip()
    since = snapshot_of(book, given) if given else None
    if given and since is None:
        return error(403, "valid-sync-token")
    try:
        # The sync point comes first: whatever changes after it is reported next time.
        point = await request.app[DIRECTORY].sync_point(since)
    except ValueError:
        return error(403, "valid-sync-token")
    members = await _members(request, book)
    if since is None:
        responses = [_member_response(m, book, wanted, data_request) for m in members.values()]
    else:
        responses = []
        for uid in point["changed"]:
            member = members.get(uid)
            if member is not None:
                responses.append(_member_response(member, book, wanted, data_request))
            else:
                responses.append(gone(f"{HOME}{book.slug}/{uid}.vcf"))
    return multistatus(responses, sync_token=sync_token(book, point["token"]))


def add_routes(app: web.Application) -> None:
    """Every CardDAV path and method, the unsupported ones answering 403."""
    app.router.add_routes(routes)
    item = r"/dav/addressbooks/{slug}/{item}"
    book = r"/dav/addressbooks/{slug}/"
    for path in (ROOT, PRINCIPAL, HOME, book, item, "/dav", "/dav/addressbooks/{slug}"):
        app.router.add_route("OPTIONS", path, dav(_options))
        for method in ("PUT", "DELETE", "MKCOL", "PROPPATCH", "MOVE", "COPY", "LOCK", "POST"):
            app.router.add_route(method, path, dav(_refuse))
    for path in (ROOT, PRINCIPAL, HOME, "/dav"):
        app.router.add_route("PROPFIND", path, dav(_propfind_root))
    for path in (book, "/dav/addressbooks/{slug}"):
        app.router.add_route("PROPFIND", path, dav(_propfind_book))
        app.router.add_route("REPORT", path, dav(_report))
    app.router.add_route("PROPFIND", item, dav(_propfind_item))
    app.router.add_route("REPORT", item, dav(_refuse))
    app.router.add_route("GET", item, dav(_get_item))
