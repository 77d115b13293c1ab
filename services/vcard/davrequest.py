"""What a CardDAV request asks: its address book as the caller sees it, Depth, Prefer, props."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from aiohttp import web

from services.vcard.access import View, view_of
from services.vcard.books import Book, Member, Shelf, hidden_book
from services.vcard.davxml import DAV, tag
from services.vcard.keys import DIRECTORY, LIBRARY, SETTINGS
from shared.i18n import pick
from shared.payloads import Network


async def caller_view(request: web.Request) -> View:
    """Who is asking, and what they may see (never reveal: DAV clients only read)."""
    return await view_of(request, request.app[DIRECTORY], request.app[SETTINGS], reveal_ok=False)


def book_of(view: View, slug: str, info: Network) -> Book:
    """The address book of network `slug`, named in its own language."""
    lang = info["default_lang"]
    return Book(slug, pick(info["names"], lang, lang) or slug, lang, view)


async def open_book(
    request: web.Request, version: str | None = None
) -> tuple[Book, Shelf, dict[str, Member]]:
    """The requested address book for this caller, its shelf and its rendered cards.

    At least as new as data `version` when given, else as the directory's current one.
    """
    view = await caller_view(request)
    library = request.app[LIBRARY]
    if version is None:
        version = (await library.point(view)).version
    # The directory lists only the networks this caller sees.
    networks = await library.networks(version, view)
    slug = request.match_info["slug"]
    info = networks.get(slug)
    if info is None:
        raise hidden_book(view, slug)
    book = book_of(view, slug, info)
    shelf = await library.shelf(book, version)
    return book, shelf, library.members(shelf, book, networks)


def depth(request: web.Request) -> str:
    """The Depth header: 0, 1 or infinity; absent is taken as 1, as clients that omit it mean."""
    given = request.headers.get("Depth", "1").strip().lower()
    return given if given in {"0", "1"} else "infinity"


def minimal(request: web.Request) -> bool:
    """Whether the client asked to leave out properties it cannot have (RFC 8144, `Brief`)."""
    prefer = request.headers.get("Prefer", "").replace(" ", "").lower()
    return "return=minimal" in prefer or request.headers.get("Brief", "").strip().lower() == "t"


def wanted(body: ET.Element | None, defaults: list[str]) -> list[str]:
    """The properties a PROPFIND asks for; `defaults` for allprop, propname or no body."""
    if body is None or body.find(tag(DAV, "allprop")) is not None:
        return defaults
    prop = body.find(tag(DAV, "prop"))
    if body.find(tag(DAV, "propname")) is not None or prop is None:
        return defaults
    return [child.tag for child in prop]
