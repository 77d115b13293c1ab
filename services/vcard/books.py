"""Address books kept in memory, brought up to date by the directory's change log.

The vcard service keeps each address book's contacts (a "shelf") with the directory sync
token they are at least as new as, and each caller's view of them rendered once. A request
costs one directory call (`/v1/sync`, the current version); only when the version moved
does the shelf ask what changed since its token and fetch just those contacts. So a card,
a multiget or a sync costs the same in a book of 100 or of 10,000 contacts.

When the directory refuses the shelf's own token, the database went back (a restore, a
point-in-time recovery, a failover): every shelf and every cached directory answer is
dropped, and the book is read afresh. A shelf unread for longer than the directory keeps
its change log (its token expired) is only read afresh itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from services.vcard.access import View
from services.vcard.cards import Card, card_from_contact
from services.vcard.render import vcard
from shared.directory_client import (
    BOOK_PAGE,
    UID_BATCH,
    DirectoryClient,
    ExpiredSyncToken,
    UnknownSyncToken,
)
from shared.errors import NotFound, Unauthenticated
from shared.payloads import Contact, Network

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
    contact: Contact
    card: Card
    text: str
    # Its <D:response> texts by the properties asked: a sync answers by joining them.
    # Keyed by (*properties wanted, address-data version or None, minimal).
    fragments: dict[tuple[str | bool | None, ...], str] = field(default_factory=dict, compare=False)


@dataclass(slots=True)
class Shelf:
    """One address book's contacts, at least as new as the directory sync token `token`."""

    token: str
    version: str
    contacts: dict[str, Contact]
    renderings: OrderedDict[tuple[str, str], dict[str, Member]] = field(default_factory=OrderedDict)


@dataclass(frozen=True, slots=True)
class Point:
    """What the directory said now: its sync token, data version and networks."""

    token: str
    version: str
    networks: dict[str, Network]


def hidden_book(view: View, slug: str) -> Exception:
    """What to answer for a book the directory does not show this caller.

    Anonymous clients are asked to sign in (401), whether it is private or not there at
    all; a signed-in caller who may not see it gets 404.
    """
    if view.anonymous:
        return Unauthenticated("No such public address book: sign in with a Kontakt read token.")
    return NotFound("No address book %(slug)r.", values={"slug": slug})


def member_of(contact: Contact, book: Book, names: dict[str, dict[str, str]]) -> Member:
    """A contact rendered for a book's view: vCard 3.0 text and a strong ETag."""
    card = card_from_contact(contact, book.lang, names, book.view.emails(contact))
    text = vcard(card, "3.0")
    digest = hashlib.sha256(f"{book.view.key}\n{text}".encode()).hexdigest()[:32]
    href = f"{HOME}{book.slug}/{contact['uid']}.vcf"
    return Member(contact["uid"], href, f'"{digest}"', contact, card, text)


@dataclass
class _Users:
    """One book and view's lock, and how many readers hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    count: int = 0


class Library:
    """Every address book this process keeps, and the directory's latest networks.

    A shelf holds a book as the directory shows it to one view (anonymous, an admin, the
    holders of some networks' permissions): it is read with a caller's own token, so it
    holds only what that view may see, with addresses only where the directory gave them.
    """

    def __init__(self, directory: DirectoryClient) -> None:
        self.directory = directory
        self._shelves: OrderedDict[tuple[str, str], Shelf] = OrderedDict()
        # A lock per book and view while someone reads it, forgotten with its last user.
        self._locks: dict[tuple[str, str], _Users] = {}
        self._networks: dict[str, tuple[str, dict[str, Network]]] = {}

    def drop(self) -> None:
        """Forget every shelf and cached directory answer (the data went back)."""
        self._shelves.clear()
        self._networks.clear()
        self.directory.forget()

    async def point(self, view: View) -> Point:
        """The directory's sync point, with the networks `view` sees (read again when it moved)."""
        now = await self.directory.sync_point()
        return Point(now["token"], now["version"], await self.networks(now["version"], view))

    async def networks(self, version: str, view: View) -> dict[str, Network]:
        """The networks `view` sees, at least as new as data version `version`."""
        known = self._networks.get(view.key)
        if known is None or known[0] != version:
            known = (version, await self.directory.network_info(view.token))
            self._networks[view.key] = known
            while len(self._networks) > SHELVES:
                self._networks.pop(next(iter(self._networks)))
        return known[1]

    async def changed_since(self, token: str, slug: str, view: View) -> tuple[str, str, list[str]]:
        """A newer sync token, its version, and the UIDs of book `slug` that `view` should
        hear of: those it sees there now, or saw there at `token`.

        Raises UnknownSyncToken when the directory did not issue `token`.
        """
        answer = await self.directory.sync_point(token, slug, view.token)
        return answer["token"], answer["version"], list(answer["changed"] or ())

    async def shelf(self, book: Book, version: str) -> Shelf:
        """The book's contacts for its view, at least as new as data version `version`."""
        key = (book.slug, book.view.key)
        users = self._locks.get(key)
        if users is None:
            users = self._locks[key] = _Users()
        users.count += 1
        try:
            async with users.lock:
                shelf = self._shelves.get(key)
                if shelf is not None and shelf.version != version:
                    shelf = await self._catch_up(book, shelf)
                if shelf is None:
                    shelf = await self._load(book)
                self._shelves[key] = shelf
                self._shelves.move_to_end(key)
                while len(self._shelves) > SHELVES:
                    self._shelves.popitem(last=False)
                return shelf
        finally:
            users.count -= 1
            if users.count == 0:
                del self._locks[key]

    @property
    def locks(self) -> int:
        """How many locks are kept now: one per book and view being read at this moment."""
        return len(self._locks)

    async def _load(self, book: Book) -> Shelf:
        # The token first: whatever changes while the book is read is reported next time.
        now = await self.directory.sync_point()
        listing = self.directory.contacts(book.slug, None, book.view.token, page=BOOK_PAGE)
        contacts = {c["uid"]: c async for c in listing}
        return Shelf(now["token"], now["version"], contacts)

    async def _catch_up(self, book: Book, shelf: Shelf) -> Shelf | None:
        """Apply what changed since the shelf's token; None when it must be read afresh."""
        try:
            token, version, changed = await self.changed_since(shelf.token, book.slug, book.view)
        except ExpiredSyncToken:
            return None  # unread longer than the change log is kept: this book only, afresh
        except UnknownSyncToken:
            log.warning("the directory went back (a restore or failover): address books dropped")
            self.drop()
            return None
        if len(changed) > UID_BATCH:
            return None  # reading the book again is cheaper than many small reads
        fresh = {}
        if changed:
            listing = self.directory.contacts(book.slug, None, book.view.token, uids=changed)
            fresh = {c["uid"]: c async for c in listing}
        for uid in changed:
            if uid in fresh:
                shelf.contacts[uid] = fresh[uid]
            else:
                shelf.contacts.pop(uid, None)
        shelf.token, shelf.version = token, version
        for rendered in shelf.renderings.values():
            for uid in changed:
                rendered.pop(uid, None)
        return shelf

    def members(self, shelf: Shelf, book: Book, networks: dict[str, Network]) -> dict[str, Member]:
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
