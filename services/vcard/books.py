"""Address books kept in memory, brought up to date by the directory's change log.

The vcard service keeps each address book's contacts (a "shelf") with the directory sync
token they are at least as new as, and each caller's view of them rendered once. A request
costs one directory call (`/v1/sync`, the current version); only when the version moved
does the shelf ask what changed since its token and fetch just those contacts. So a card,
a multiget or a sync costs the same in a book of 100 or of 10,000 contacts.

When the directory refuses the shelf's own token, the database went back (a restore, a
point-in-time recovery, a failover): every shelf and every cached directory answer is
dropped, and the book is read afresh.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from services.vcard.access import View
from services.vcard.cards import Card, card_from_contact
from services.vcard.render import vcard
from shared.directory_client import BOOK_PAGE, UID_BATCH, DirectoryClient, UnknownSyncToken

log = logging.getLogger("kontakt.vcard.books")

HOME = "/dav/addressbooks/"
SHELVES = 32  # address books kept
VIEWS = 8  # renderings kept per address book (anonymous, full, per-network views)


@dataclass(frozen=True, slots=True)
class Book:
    """One address book: a network and everything below it, as one caller sees it."""

    slug: str
    name: str
    lang: str
    view: View


@dataclass(frozen=True, slots=True)
class Member:
    """One contact in an address book, rendered for one view."""

    uid: str
    href: str
    etag: str
    contact: dict[str, Any]
    card: Card
    text: str
    # Its <D:response> texts by the properties asked: a sync answers by joining them.
    fragments: dict[tuple[Any, ...], str] = field(default_factory=dict, compare=False)


@dataclass(slots=True)
class Shelf:
    """One address book's contacts, at least as new as the directory sync token `token`."""

    token: str
    version: str
    contacts: dict[str, dict[str, Any]]
    renderings: OrderedDict[tuple[str, str], dict[str, Member]] = field(default_factory=OrderedDict)


@dataclass(frozen=True, slots=True)
class Point:
    """What the directory said now: its sync token, data version and networks."""

    token: str
    version: str
    networks: dict[str, dict[str, Any]]


def member_of(contact: dict[str, Any], book: Book, names: dict[str, dict[str, str]]) -> Member:
    """A contact rendered for a book's view: vCard 3.0 text and a strong ETag."""
    card = card_from_contact(contact, book.lang, names, book.view.emails(contact))
    text = vcard(card, "3.0")
    digest = hashlib.sha256(f"{book.view.key}\n{text}".encode()).hexdigest()[:32]
    href = f"{HOME}{book.slug}/{contact['uid']}.vcf"
    return Member(contact["uid"], href, f'"{digest}"', contact, card, text)


class Library:
    """Every address book this process keeps, and the directory's latest networks."""

    def __init__(self, directory: DirectoryClient) -> None:
        self.directory = directory
        self._shelves: OrderedDict[str, Shelf] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._networks: tuple[str, dict[str, dict[str, Any]]] | None = None

    def drop(self) -> None:
        """Forget every shelf and cached directory answer (the data went back)."""
        self._shelves.clear()
        self._networks = None
        self.directory.forget()

    async def point(self) -> Point:
        """The directory's sync point, with its networks (fetched again only when it moved)."""
        now = await self.directory.sync_point(None)
        return Point(now["token"], now["version"], await self.networks(now["version"]))

    async def networks(self, version: str) -> dict[str, dict[str, Any]]:
        """The networks, at least as new as data version `version`."""
        if self._networks is None or self._networks[0] != version:
            self._networks = (version, await self.directory.network_info())
        return self._networks[1]

    async def changed_since(self, token: str) -> tuple[str, str, list[str]]:
        """A newer sync token, its version, and the UIDs changed since `token`.

        Raises UnknownSyncToken when the directory did not issue `token`.
        """
        answer = await self.directory.sync_point(token)
        return answer["token"], answer["version"], list(answer["changed"])

    async def shelf(self, slug: str, version: str) -> Shelf:
        """The book's contacts, at least as new as data version `version`."""
        lock = self._locks.setdefault(slug, asyncio.Lock())
        async with lock:
            shelf = self._shelves.get(slug)
            if shelf is not None and shelf.version != version:
                shelf = await self._catch_up(slug, shelf)
            if shelf is None:
                shelf = await self._load(slug)
            self._shelves[slug] = shelf
            self._shelves.move_to_end(slug)
            while len(self._shelves) > SHELVES:
                self._shelves.popitem(last=False)
            return shelf

    async def _load(self, slug: str) -> Shelf:
        # The token first: whatever changes while the book is read is reported next time.
        now = await self.directory.sync_point(None)
        contacts = {c["uid"]: c async for c in self.directory.contacts(slug, None, page=BOOK_PAGE)}
        return Shelf(now["token"], now["version"], contacts)

    async def _catch_up(self, slug: str, shelf: Shelf) -> Shelf | None:
        """Apply what changed since the shelf's token; None when it must be read afresh."""
        try:
            answer = await self.directory.sync_point(shelf.token)
        except UnknownSyncToken:
            log.warning("the directory went back (a restore or failover): address books dropped")
            self.drop()
            return None
        changed: list[str] = answer["changed"]
        if len(changed) > UID_BATCH:
            return None  # reading the book again is cheaper than many small reads
        fresh = {}
        if changed:
            fresh = {c["uid"]: c async for c in self.directory.contacts(slug, None, uids=changed)}
        for uid in changed:
            if uid in fresh:
                shelf.contacts[uid] = fresh[uid]
            else:
                shelf.contacts.pop(uid, None)
        shelf.token, shelf.version = answer["token"], answer["version"]
        for rendered in shelf.renderings.values():
            for uid in changed:
                rendered.pop(uid, None)
        return shelf

    def members(
        self, shelf: Shelf, book: Book, networks: dict[str, dict[str, Any]]
    ) -> dict[str, Member]:
        """The shelf rendered for the book's view, by UID; a card is rendered once per change.

        Iterate `shelf.contacts` for the directory's order.
        """
        key = (book.view.key, book.lang)
        rendered = shelf.renderings.get(key)
        if rendered is None:
            rendered = {}
            shelf.renderings[key] = rendered
            while len(shelf.renderings) > VIEWS:
                shelf.renderings.popitem(last=False)
        shelf.renderings.move_to_end(key)
        if len(rendered) != len(shelf.contacts):
            names = {s: info["names"] for s, info in networks.items()}
            for uid, contact in shelf.contacts.items():
                if uid not in rendered:
                    rendered[uid] = member_of(contact, book, names)
        return rendered
