"""CardDAV REPORTs on an address book: multiget, query (RFC 6352 §8), sync-collection (RFC 6578)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from aiohttp import web

from services.vcard.access import View
from services.vcard.books import HOME, Book, Member, Shelf, hidden_book
from services.vcard.davprops import ITEM_PROPS, member_response
from services.vcard.davxml import CARD, DAV, error, gone, multistatus, tag
from services.vcard.keys import LIBRARY
from services.vcard.synctoken import directory_token, sync_token
from shared.directory_client import UnknownSyncToken
from shared.errors import NotFound
from shared.validate import parse_id

OpenBook = Callable[[web.Request, str | None], Awaitable[tuple[Book, Shelf, dict[str, Member]]]]
ViewOf = Callable[[web.Request], Awaitable[View]]


async def report(
    request: web.Request, body: ET.Element, view_of: ViewOf, open_book: OpenBook
) -> web.Response:
    """Answer one REPORT; an unknown kind is 403 DAV:supported-report (RFC 3253 §3.6)."""
    if body.tag == tag(DAV, "sync-collection"):
        return await _sync_collection(request, body, Asked(body), view_of, open_book)
    kinds = {tag(CARD, "addressbook-multiget"): _multiget, tag(CARD, "addressbook-query"): _query}
    answer = kinds.get(body.tag)
    if answer is None:
        return error(403, "supported-report")
    book, shelf, members = await open_book(request, None)
    return await answer(body, Asked(body), book, shelf, members)


class Asked:
    """The properties a REPORT asks for, and the address-data version."""

    def __init__(self, body: ET.Element) -> None:
        prop = body.find(tag(DAV, "prop"))
        self.props = [child.tag for child in prop] if prop is not None else ITEM_PROPS
        self.data = prop.find(tag(CARD, "address-data")) if prop is not None else None

    def of(self, member: Member) -> str:
        """One member's response."""
        return member_response(member, self.props, self.data, False)


async def _multiget(
    body: ET.Element,
    asked: Asked,
    book: Book,
    __: Shelf,
    members: dict[str, Member],
) -> web.Response:
    prefix = f"{HOME}{book.slug}/"
    responses: list[ET.Element | str] = []
    for href in body.findall(tag(DAV, "href")):
        path = unquote((href.text or "").strip())
        path = path[path.find("/dav/") :] if "/dav/" in path else path
        member = members.get(path.removeprefix(prefix).removesuffix(".vcf"))
        found = member is not None and member.href == path
        responses.append(asked.of(member) if found and member else gone(path))
    return multistatus(responses)


async def _query(
    body: ET.Element,
    asked: Asked,
    book: Book,
    shelf: Shelf,
    members: dict[str, Member],
) -> web.Response:
    limit_element = body.find(f"{tag(CARD, 'limit')}/{tag(CARD, 'nresults')}")
    count = limit_element.text if limit_element is not None else None
    # ASCII digits (`shared.validate.parse_id`): "²" or 5,000 digits set no limit, not a 500.
    limit = parse_id(count.strip()) if count else None
    filters = body.find(tag(CARD, "filter"))
    hits = [members[uid] for uid in shelf.contacts if _matches(members[uid], book, filters)]
    return multistatus([asked.of(m) for m in hits[:limit]])


async def _sync_collection(
    request: web.Request, body: ET.Element, asked: Asked, view_of: ViewOf, open_book: OpenBook
) -> web.Response:
    given = (body.findtext(tag(DAV, "sync-token")) or "").strip()
    if not given:
        book, shelf, members = await open_book(request, None)
        everything = [asked.of(members[uid]) for uid in shelf.contacts]
        return multistatus(everything, sync_token=sync_token(book.view, shelf.token))
    view = await view_of(request)
    since = directory_token(view, given)
    if since is None:
        return error(403, "valid-sync-token")
    slug = request.match_info["slug"]
    try:
        # Only what this caller sees in the book now, or saw there at its token.
        token, version, changed = await request.app[LIBRARY].changed_since(since, slug, view)
    except UnknownSyncToken:
        return error(403, "valid-sync-token")
    except NotFound as exc:
        raise hidden_book(view, slug) from exc
    # What is answered must be at least as new as the token handed back.
    book, _, members = await open_book(request, version)
    responses: list[ET.Element | str] = []
    for uid in changed:
        member = members.get(uid)
        if member is not None:
            responses.append(asked.of(member))
        else:
            responses.append(gone(f"{HOME}{book.slug}/{uid}.vcf"))
    return multistatus(responses, sync_token=sync_token(book.view, token))


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
    workplace = contact.get("organisation")
    fields = {
        "FN": [contact["display_name"]],
        "EMAIL": book.view.emails(contact),  # only what this caller may see: no probing
        "ORG": list(workplace["names"].values()) if workplace else [],
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
