"""One chunk of checked rows into the database: matched, merged, written in one go.

A row matches a contact by UID; else by one of its addresses under the same name (people
sharing `info@` are different people; a row without a name, by its address alone); else (a
card with neither, as phones export them) by one of its numbers under the same name; but
only a contact the importer may edit. A card that names a contact of someone else's network
is imported as a new contact, exactly as an unknown one is, so an import tells no one what
else is stored: a UID that another's contact (or a deleted one) has gives the importer's
contact a UID derived from it, the same each time, so the card is found again next time as
a card with an unknown UID is.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.directory.importing.rows import Outcome, Row
from services.directory.phones import Phone
from services.directory.store import (
    contacts_as_input,
    create_organisation,
    stored_phones,
    write_contacts,
)
from services.directory.validation import ContactIn, OrganisationIn, contact_in, names_kept
from shared.conn import Conn
from shared.errors import FieldError
from shared.queries import Queries

# ContactIn fields a row may give, by the same name as its JSON keys.
FIELDS = ("given_name", "family_name", "titles", "organisation", "position", "published")
LISTS = ("phones", "emails", "links", "networks")
NAME_FIELDS = {"given_name", "family_name", "display_name"}
# A person's names (display name, given and family name) as sets of folded words.
Names = frozenset[frozenset[str]]
WORDS = 6  # of a name's words, how many take part in matching (`_parts`)
_NAMELESS = FieldError("display_name", "is required when there is no given or family name")


@dataclass
class Prepared:
    """A row that passed its own checks, waiting for the database."""

    row: Row
    contact: ContactIn
    uid: str | None
    organisation_name: str | None
    given: set[str]
    lang: str = "en"  # of a title or organisation name the file gave in no language

    def emails(self) -> list[str]:
        """Its addresses as they are matched (case-insensitively)."""
        return [e.lower() for e in self.contact.emails]


class Chunk:
    """What applying chunks keeps across them: organisations found or created by name."""

    def __init__(self, conn: Conn, q: Queries) -> None:
        self.conn = conn
        self.q = q
        self.organisations: dict[str, str] = {}
        self.known_slugs: set[str] = set()
        self.created: set[str] = set()

    def forget_created(self) -> None:
        """Organisations created under a savepoint that was rolled back exist no more."""
        for name in self.created:
            self.organisations.pop(name, None)
        self.created.clear()

    async def organisation(self, name: str, lang: str) -> str:
        """The slug of the organisation called `name` in any language, created if there is none."""
        if name not in self.organisations:
            found = await self.conn.fetchval(self.q["organisation-by-name"], name)
            if found is None:
                base = slugify(name)
                taken = {
                    r["slug"] for r in await self.conn.fetch(self.q["organisation-slugs"], base)
                }
                found = next(s for s in _numbered(base) if s not in taken)
                await create_organisation(
                    self.conn, self.q, OrganisationIn(found, {lang: name}, None, None)
                )
                self.created.add(name)
            self.organisations[name] = found
        return self.organisations[name]

    async def unknown_slugs(self, slugs: Iterable[str]) -> set[str]:
        """Which of these organisation slugs name no organisation."""
        slugs = set(slugs)  # read twice: a generator would be empty the second time
        wanted = {s for s in slugs if s not in self.known_slugs}
        if wanted:
            rows = await self.conn.fetch(self.q["organisation-ids"], sorted(wanted))
            self.known_slugs.update(r["slug"] for r in rows)
        return {s for s in slugs if s not in self.known_slugs}


# Latin letters that do not decompose into a letter and accents (NFKD keeps them whole).
_LETTERS = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ı": "i", "ħ": "h"}
)
SLUG_LENGTH = 48


def slugify(name: str) -> str:
    """A slug for a new organisation: always one the database's rule takes (letters and
    digits in words joined by single hyphens, none at either end, at most 64 characters)."""
    plain = unicodedata.normalize("NFKD", name.casefold().translate(_LETTERS))
    folded = plain.encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return words[:SLUG_LENGTH].strip("-") or "organisation"


def _numbered(base: str) -> Iterator[str]:
    """`base`, then `base-2`, `base-3`... (within the rule's 64 characters: a base has 48)."""
    yield base
    for counter in itertools.count(2):
        yield f"{base}-{counter}"


async def apply_chunk(
    chunk: Chunk,
    prepared: list[Prepared],
    networks: dict[str, int],
    dry_run: bool,
    may_edit: Callable[[Iterable[int]], bool],
) -> tuple[list[Outcome], list[Prepared]]:
    """Write the rows; their outcomes, and the rows that must wait for the next chunk.

    Rows of one person (the same UID, contact, address under the same name...) are merged
    here in order, each reported as the next one saw it, and the person written once: a
    file holding someone a thousand times costs what a thousand people cost.
    """
    conn, q = chunk.conn, chunk.q
    chunk.created.clear()
    outcomes: list[Outcome] = []
    missing = await chunk.unknown_slugs(
        p.contact.organisation for p in prepared if p.contact.organisation
    )
    for p in prepared:
        if p.contact.organisation in missing:
            # A spreadsheet's company in the organisation column: found or created by name.
            p.organisation_name = p.contact.organisation
    plan, later = await _match(chunk, prepared, may_edit)
    targets = sorted({g.target for g in plan if g.target is not None})
    current = await contacts_as_input(conn, q, targets) if targets else {}
    new: list[tuple[str, ContactIn, Group]] = []
    changed: list[tuple[int, ContactIn, Group]] = []
    for group in plan:
        state: ContactIn | None = None
        if group.target is not None:
            stored = current[group.target]
            state = contact_in(names_kept(stored), known_phones=stored_phones(stored["phones"]))
        before = state
        for p in group.rows:
            organisation = p.contact.organisation
            keeps = p.row.partial and state is not None and state.organisation
            if p.organisation_name and not keeps:  # a card's ORG never replaces one
                organisation = await chunk.organisation(p.organisation_name, p.lang)
            if state is None:
                if not p.row.partial and not NAME_FIELDS & p.given:
                    outcomes.append(Outcome(p.row, "rejected", errors=[_NAMELESS]))
                    continue
                state = p.contact
                if organisation != state.organisation:
                    state = dataclasses.replace(state, organisation=organisation)
                group.statuses.append((p, "created"))
                continue
            after = _merged(state, p, organisation)
            group.statuses.append((p, "unchanged" if after.same_as(state) else "updated"))
            state = after
        if state is None:
            continue
        if before is None:
            new.append((group.uid or str(uuid.uuid4()), state, group))
        elif not state.same_as(before):
            assert group.target is not None
            changed.append((group.target, state, group))
        else:
            outcomes.extend(_outcomes(group, group.target))
    organisations = await _organisation_ids(chunk, [c.organisation for _, c, _ in new + changed])
    created, _ = await write_contacts(
        conn,
        q,
        [(u, c) for u, c, _ in new],
        [(i, c) for i, c, _ in changed],
        networks,
        organisations,
    )
    for contact_id, (_, _, group) in zip(created, new, strict=True):
        # A dry run's new ids are rolled back: shown as none.
        outcomes.extend(_outcomes(group, None if dry_run else contact_id))
    for contact_id, _, group in changed:
        outcomes.extend(_outcomes(group, contact_id))
    return outcomes, later


def _outcomes(group: Group, contact_id: int | None) -> list[Outcome]:
    return [Outcome(p.row, s, contact_id, notes=p.contact.notes) for p, s in group.statuses]


@dataclass
class Group:
    """The rows of a chunk that are one person, in the file's order, and the contact they
    match (None: a new one, with `uid` if one is known)."""

    target: int | None
    uid: str | None
    rows: list[Prepared]
    statuses: list[tuple[Prepared, str]] = dataclasses.field(default_factory=list)


class Seen:
    """Who a chunk's rows are, by address and name, for finding a row's person in constant
    time. Two names could be one person's when one's words are all among the other's, in
    any order ("Lina" and "Kisevičienė Lina"; not "Lina Kisevičienė" and "Rūta Žemaitė",
    who share `info@`); a row without a name could be anyone's with its address."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, frozenset[str]], int] = {}
        self.within: dict[tuple[str, frozenset[str]], int] = {}
        self.any: dict[str, int] = {}
        self.nameless: dict[str, int] = {}
        self.unfolded: dict[str, list[tuple[ContactIn, int]]] = {}

    def add(self, address: str, names: Names | ContactIn | None, index: int) -> None:
        """Row `index` has this address under these names (a contact's, folded only when a
        later row meets the address)."""
        if isinstance(names, ContactIn):
            if address not in self.any:
                self.any[address] = index
                self.unfolded[address] = [(names, index)]
            else:
                self._fold(address)
                self._add(address, _name_keys(names), index)
            return
        self._fold(address)
        self._add(address, names, index)

    def _fold(self, address: str) -> None:
        for contact, index in self.unfolded.pop(address, ()):
            self._add(address, _name_keys(contact), index)

    def _add(self, address: str, names: Names | None, index: int) -> None:
        self.any.setdefault(address, index)
        if names is None:
            self.nameless.setdefault(address, index)
        for name in names or ():
            self.exact.setdefault((address, name), index)
            for part in _parts(name):
                self.within.setdefault((address, part), index)

    def find(self, address: str, names: Names | None) -> set[int]:
        """The rows whose person a row with this address and these names could be."""
        self._fold(address)
        if names is None:
            found = self.any.get(address)
            return set() if found is None else {found}
        hits = {self.nameless.get(address)}
        for name in names:
            hits.add(self.within.get((address, name)))  # a name that has all of its words
            hits |= {self.exact.get((address, part)) for part in _parts(name)}  # or some
        return {h for h in hits if h is not None}


def _parts(name: frozenset[str]) -> list[frozenset[str]]:
    """A name's words, each combination (of its first `WORDS`): at most 63 of them."""
    words = sorted(name)[:WORDS]
    return [
        frozenset(w for bit, w in enumerate(words) if mask >> bit & 1)
        for mask in range(1, 1 << len(words))
    ]


async def _match(
    chunk: Chunk, rows: list[Prepared], may_edit: Callable[[Iterable[int]], bool]
) -> tuple[list[Group], list[Prepared]]:
    """Each row's contact among those the importer may edit: by UID; else by an address
    under a name that could be the same person's (`Seen`: people sharing `info@` are
    different people), or by any of its addresses for a row without a name; else (a card
    with neither) by a number under the same name. A UID another's contact has is the
    importer's own UID for it (`_scoped`). Rows of one person join the first one's group;
    a row that could be two earlier rows' person waits for the next chunk."""
    conn, q = chunk.conn, chunk.q
    uids = [u for p in rows if p.uid for u in (p.uid, _scoped(p))]
    by_uid = {r["uid"]: r for r in await conn.fetch(q["import-by-uid"], uids)} if uids else {}
    addresses = sorted({e for p in rows for e in p.emails()})
    stored = Stored()
    if addresses:
        for r in await conn.fetch(q["import-by-email"], addresses):
            stored.add(r)
    numbers = sorted({e for r in rows if not r.uid and not r.emails() for e in _e164(r)})
    by_phone: dict[str, list[asyncpg.Record]] = {}
    if numbers:
        for r in await conn.fetch(q["import-by-phone"], numbers):
            by_phone.setdefault(r["e164"], []).append(r)

    def editable(found: asyncpg.Record | None) -> bool:
        return found is not None and not found["deleted"] and may_edit(found["network_ids"])

    plan: list[Group] = []
    later: list[Prepared] = []
    claimed: dict[tuple[object, ...], int] = {}
    seen = Seen()
    for p in rows:
        target, uid = None, p.uid
        if uid is not None and uid in by_uid:
            if editable(by_uid[uid]):
                target = by_uid[uid]["id"]
            else:
                # Someone else's contact, or a deleted one (its UID kept for an undo): the
                # importer's contact for this card has a UID of its own, the same each time,
                # so importing the card again finds it, exactly as for a UID nobody has.
                uid = _scoped(p)
                if editable(by_uid.get(uid)):
                    target = by_uid[uid]["id"]
                elif uid in by_uid:
                    uid = None
        # Folded only when an address meets a stored contact or an earlier row: most rows
        # of an import meet nothing, and `Seen` folds theirs if a later row meets them.
        named = bool(NAME_FIELDS & p.given)
        met = named and any(a in stored.any or a in seen.any for a in p.emails())
        names = _name_keys(p.contact) if met else None
        for address in p.emails():
            if target is not None:
                break
            target = stored.first(address, names, may_edit)
        if target is None and not p.uid and not p.emails():
            name = p.contact.display_name.casefold()
            target = next(
                (
                    r["id"]
                    for e164 in _e164(p)
                    for r in by_phone.get(e164, [])
                    if r["display_name"].casefold() == name and may_edit(r["network_ids"])
                ),
                None,
            )
        keys: set[tuple[object, ...]] = {
            ("phone", n, p.contact.display_name.casefold()) for n in _e164(p)
        }
        keys |= {("uid", uid)} if uid else set()
        keys |= {("id", target)} if target is not None else set()
        meets = {claimed[k] for k in keys if k in claimed}
        for address in p.emails():
            meets |= seen.find(address, names)
        index = meets.pop() if len(meets) == 1 else len(plan)
        if not meets and index == len(plan):
            plan.append(Group(target, uid, [p]))
        elif not meets and target in {None, plan[index].target}:
            # The same person again: merged into the group's contact, in the file's order.
            plan[index].rows.append(p)
        else:
            # Two people's rows, or a stored contact while the group makes a new one: the
            # row waits until they are written.
            later.append(p)
            continue
        for key in keys:
            claimed.setdefault(key, index)
        for address in p.emails():
            seen.add(address, names if met or not named else p.contact, index)
    return plan, later


class Stored:
    """The stored contacts with a chunk's addresses, found by address and name (`Seen`'s
    rule) without comparing a row with each of them."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, frozenset[str]], list[asyncpg.Record]] = {}
        self.within: dict[tuple[str, frozenset[str]], list[asyncpg.Record]] = {}
        self.any: dict[str, list[asyncpg.Record]] = {}
        self.nameless: dict[str, list[asyncpg.Record]] = {}

    def add(self, r: asyncpg.Record) -> None:
        """A contact with an address (`import-by-email`)."""
        address, names = r["address"], _name_keys(r)
        self.any.setdefault(address, []).append(r)
        if names is None:
            self.nameless.setdefault(address, []).append(r)
        for name in names or ():
            self.exact.setdefault((address, name), []).append(r)
            for part in _parts(name):
                self.within.setdefault((address, part), []).append(r)

    def first(
        self, address: str, names: Names | None, may_edit: Callable[[Iterable[int]], bool]
    ) -> int | None:
        """The first (oldest) contact the importer may edit with the address, under a name
        that could be this one's."""
        if names is None:
            lists = [self.any.get(address, [])]
        else:
            lists = [self.nameless.get(address, [])]
            for name in names:
                lists.append(self.within.get((address, name), []))
                lists += [self.exact.get((address, part), []) for part in _parts(name)]
        found = [next((r["id"] for r in rs if may_edit(r["network_ids"])), None) for rs in lists]
        return min((f for f in found if f is not None), default=None)


def _scoped(p: Prepared) -> str:
    """The UID of the importer's own contact for a card whose UID is taken: per network."""
    assert p.uid is not None
    scope = p.contact.networks[0][0] if p.contact.networks else ""
    return str(uuid.uuid5(uuid.UUID(p.uid), f"kontakt-import:{scope}"))


def _name_keys(person: ContactIn | asyncpg.Record) -> Names | None:
    """A person's names as compared: the words of each, folded (case, accents); None when
    there are none."""
    if isinstance(person, ContactIn):
        names = (person.display_name, f"{person.given_name} {person.family_name}")
    else:
        names = (person["display_name"], f"{person['given_name']} {person['family_name']}")
    keys = set()
    for name in names:
        plain = unicodedata.normalize("NFKD", name or "").casefold()
        words = re.findall(r"\w+", "".join(c for c in plain if not unicodedata.combining(c)))
        if words:
            keys.add(frozenset(words))
    return frozenset(keys) or None


def _e164(p: Prepared) -> list[str]:
    return [phone.e164 for phone in p.contact.phones if phone.e164]


def _merged(before: ContactIn, p: Prepared, organisation: str | None) -> ContactIn:
    """The stored contact with what the row gives: a card adds, a row replaces what it has."""
    if p.row.partial:
        return _added(before, p.contact, organisation if p.organisation_name else None)
    given, raw = p.given, p.row.data
    changes: dict[str, Any] = {f: getattr(p.contact, f) for f in FIELDS + LISTS if f in given}
    if "titles" in given and isinstance(raw.get("titles"), dict):
        # A language the row has is set (or cleared, when empty); the others stay.
        kept = {k: v for k, v in before.titles.items() if k not in raw["titles"]}
        changes["titles"] = kept | p.contact.titles
    if "display_name" in given:
        changes["display_name"] = p.contact.display_name
    elif given & NAME_FIELDS and before.display_name == _full_name(before):
        # A display name that was only the names follows them; one of its own stays.
        after = dataclasses.replace(before, **changes)
        changes["display_name"] = _full_name(after) or before.display_name
    if "networks" in given:
        # A membership without a role keeps the role it has (a new one is a member's).
        roles = dict(before.networks)
        named = {_slug_of(item) for item in raw["networks"] if _has_role(item)}
        changes["networks"] = [
            (slug, role if slug in named else roles.get(slug, role))
            for slug, role in p.contact.networks
        ]
    else:
        changes["networks"] = _union(before.networks, p.contact.networks, lambda n: n[0])
    if "phones" in changes:
        # The same number written another way (a phone's export reformats them): as stored.
        stored = {(ph.e164, ph.extension): ph.written for ph in before.phones if ph.e164}
        changes["phones"] = [
            dataclasses.replace(ph, written=stored.get((ph.e164, ph.extension), ph.written))
            for ph in changes["phones"]
        ]
    if "links" in changes:
        labels = dict(before.links)
        changes["links"] = [(url, label or labels.get(url)) for url, label in changes["links"]]
    named_org = p.organisation_name or "organisation" in given
    changes["organisation"] = organisation if named_org else before.organisation
    return dataclasses.replace(before, **changes)


def _added(before: ContactIn, card: ContactIn, organisation: str | None) -> ContactIn:
    """A card's contact added to the stored one: what the contact lacks, nothing removed.

    Names, a title in the card's language and an organisation fill only what is empty;
    phones, addresses, links and networks the contact does not have are added.
    """
    return dataclasses.replace(
        before,
        given_name=before.given_name or card.given_name,
        family_name=before.family_name or card.family_name,
        titles=card.titles | before.titles,
        organisation=before.organisation or organisation,
        phones=_union(before.phones, card.phones, _phone_key),
        emails=_union(before.emails, card.emails, str.casefold),
        links=_union(before.links, card.links, lambda link: link[0]),
        networks=_union(before.networks, card.networks, lambda n: n[0]),
    )


def _union(before: list[Any], more: list[Any], key: Callable[[Any], object]) -> list[Any]:
    """`before`, then the items of `more` whose key none of them has."""
    known = {key(item) for item in before}
    return before + [item for item in more if key(item) not in known]


def _phone_key(phone: Phone) -> tuple[str | None, str | None]:
    return (phone.e164, phone.extension) if phone.e164 else (phone.written, None)


def _full_name(contact: ContactIn) -> str:
    return " ".join(p for p in (contact.given_name, contact.family_name) if p)


def _slug_of(item: object) -> object:
    return item.get("network") if isinstance(item, dict) else item


def _has_role(item: object) -> bool:
    return isinstance(item, dict) and item.get("role") is not None


async def _organisation_ids(chunk: Chunk, slugs: list[str | None]) -> dict[str, int]:
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return {}
    rows = await chunk.conn.fetch(chunk.q["organisation-ids"], wanted)
    return {r["slug"]: r["id"] for r in rows}
