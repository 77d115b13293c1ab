"""Importing .vcf files (vCard 2.1, 3.0, 4.0) with a report per card."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import vobject

from services.directory.store import (
    contact_as_input,
    create_contact,
    create_organisation,
    network_ids,
    replace_contact,
)
from services.directory.validation import OrganisationIn, contact_in
from shared.conn import Conn
from shared.errors import DomainError, Forbidden, ValidationFailed
from shared.queries import Queries

KINDS = {
    "CELL": "cell",
    "MOBILE": "cell",
    "FAX": "fax",
    "HOME": "home",
    "WORK": "work",
    "VOICE": "voice",
}
UID_NAMESPACE = uuid.UUID("6f1c4a36-2a1e-4d7e-9a34-3f3c0f3b9f11")


@dataclass
class CardResult:
    """What became of one card."""

    card: int
    name: str | None
    status: str  # created, updated or rejected
    contact: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The result as JSON."""
        return {
            "card": self.card,
            "name": self.name,
            "status": self.status,
            "contact": self.contact,
            "errors": self.errors,
        }


def decode(data: bytes) -> str:
    """A .vcf file's text: UTF-8 (with or without BOM), else Windows-1252 as old Outlook writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def split_cards(text: str) -> list[tuple[str, str | None]]:
    """Each card's text, or its problem; one cut-off card does not spoil the others."""
    cards: list[tuple[str, str | None]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                cards.append(("\r\n".join(current), "the card is cut off: END:VCARD is missing"))
            current = [line]
        elif current is not None:
            current.append(line)
            if upper == "END:VCARD":
                cards.append(("\r\n".join(current) + "\r\n", None))
                current = None
    if current is not None:
        cards.append(("\r\n".join(current), "the card is cut off: END:VCARD is missing"))
    return cards


def _types(prop: Any) -> set[str]:
    found = {str(v).upper() for v in prop.params.get("TYPE", [])}
    found |= {str(v).upper() for v in getattr(prop, "singletonparams", [])}
    return {t for value in found for t in value.split(",")}


def _name(card: Any) -> str | None:
    if "fn" in card.contents and str(card.fn.value).strip():
        return str(card.fn.value).strip()
    if "n" in card.contents:
        n = card.n.value
        joined = " ".join(p for p in (n.given, n.family) if isinstance(p, str) and p.strip())
        return joined or None
    return None


def slugify(name: str) -> str:
    """A slug for a new organisation."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:48] or "organisation"


def card_fields(card: Any, lang: str) -> dict[str, Any]:
    """A parsed card in the shape the contacts API accepts (networks and organisation by name)."""
    data: dict[str, Any] = {}
    if "n" in card.contents:
        n = card.n.value
        data["family_name"] = n.family if isinstance(n.family, str) else " ".join(n.family)
        data["given_name"] = n.given if isinstance(n.given, str) else " ".join(n.given)
    name = _name(card)
    if name:
        data["display_name"] = name
    if "title" in card.contents and str(card.title.value).strip():
        data["titles"] = {lang: str(card.title.value).strip()}
    phones = []
    for tel in card.contents.get("tel", []):
        number = str(tel.value).strip().removeprefix("tel:")
        kinds = [
            KINDS[t] for t in ("CELL", "MOBILE", "FAX", "HOME", "WORK", "VOICE") if t in _types(tel)
        ]
        phones.append({"number": number, **({"kind": kinds[0]} if kinds else {})})
    data["phones"] = phones
    data["emails"] = [str(e.value).strip() for e in card.contents.get("email", [])]
    data["links"] = [str(u.value).strip() for u in card.contents.get("url", [])]
    return data


async def _organisation(conn: Conn, q: Queries, card: Any, lang: str) -> str | None:
    if "org" not in card.contents:
        return None
    value = card.org.value
    name = (value[0] if isinstance(value, list) else str(value)).strip()
    if not name:
        return None
    found: str | None = await conn.fetchval(q["organisation-by-name"], name)
    if found:
        return found
    slug, counter = slugify(name), 1
    while await conn.fetchval(q["organisation-id"], slug):
        counter += 1
        slug = f"{slugify(name)[:44]}-{counter}"
    await create_organisation(conn, q, OrganisationIn(slug, {lang: name}, None, None))
    return slug


async def _networks(conn: Conn, q: Queries, card: Any, network: str | None) -> list[str]:
    slugs = [network] if network else []
    for prop in card.contents.get("categories", []):
        for category in prop.value:
            slug = await conn.fetchval(q["network-by-name"], str(category).strip())
            if slug and slug not in slugs:
                slugs.append(slug)
    return slugs


def _uid(card: Any) -> str | None:
    if "uid" not in card.contents:
        return None
    raw = str(card.uid.value).strip().removeprefix("urn:uuid:")
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        # A client's own UID scheme still matches the same card on the next import.
        return str(uuid.uuid5(UID_NAMESPACE, raw)) if raw else None


MayEdit = Callable[[list[int]], bool]


async def import_card(
    conn: Conn,
    q: Queries,
    text: str,
    *,
    network: str | None,
    lang: str,
    check: bool,
    may_edit: MayEdit,
) -> tuple[str, int]:
    """Create or update one card; raises DomainError (or ValueError) with the reason."""
    try:
        card = vobject.readOne(text, allowQP=True)
    except (vobject.base.ParseError, ValueError, IndexError) as exc:
        raise ValueError(f"the card cannot be read: {exc}") from exc
    if not _name(card):
        raise ValueError("the card has neither FN nor N: there is no name to show")
    data = card_fields(card, lang)
    networks = await _networks(conn, q, card, network)
    if not networks:
        raise ValueError("the card names no network; choose one for the import")
    data["networks"] = networks
    ids = await network_ids(conn, q, networks)
    if not may_edit(list(ids.values())):
        raise Forbidden("You may import contacts only into your own networks.")
    data["organisation"] = await _organisation(conn, q, card, lang)
    uid = _uid(card)
    existing = await conn.fetchval(q["contact-by-uid"], uid) if uid else None
    for address in data["emails"]:
        if existing is None:
            existing = await conn.fetchval(q["contact-by-email"], address)
    if existing is not None:
        row = await conn.fetchrow(q["lock-contact"], existing)
        assert row is not None
        if not may_edit(list(row["network_ids"])):
            raise Forbidden("This card matches a contact in a network you may not edit.")
        current = await contact_as_input(conn, q, row)
        merged = current | data
        merged["titles"] = current["titles"] | data.get("titles", {})
        merged["networks"] = current["networks"] + [
            n for n in networks if n not in {m["network"] for m in current["networks"]}
        ]
        await replace_contact(conn, q, existing, contact_in(merged, check_deliverability=check))
        return "updated", existing
    contact_id = await create_contact(conn, q, contact_in(data, check_deliverability=check), uid)
    return "created", contact_id


async def import_vcf(
    conn: Conn,
    q: Queries,
    text: str,
    *,
    network: str | None,
    lang: str,
    check: bool = False,
    may_edit: MayEdit = lambda _: True,
    progress: Callable[[int, int], Awaitable[None]] | None = None,
) -> list[CardResult]:
    """Import every card of a file, each in its own savepoint; bad cards are reported."""
    results: list[CardResult] = []
    cards = split_cards(text)
    for index, (chunk, problem) in enumerate(cards, start=1):
        if progress is not None:
            await progress(index - 1, len(cards))
        name = None
        match = re.search(r"^FN[^:]*:(.*)$", chunk, re.MULTILINE | re.IGNORECASE)
        if match:
            name = match.group(1).strip() or None
        if problem:
            results.append(
                CardResult(index, name, "rejected", errors=[{"field": "", "message": problem}])
            )
            continue
        try:
            async with conn.transaction():
                status, contact_id = await import_card(
                    conn, q, chunk, network=network, lang=lang, check=check, may_edit=may_edit
                )
        except ValidationFailed as exc:
            errors = [{"field": e.field, "message": e.message} for e in exc.errors]
            results.append(CardResult(index, name, "rejected", errors=errors))
        except (DomainError, ValueError) as exc:
            message = exc.detail if isinstance(exc, DomainError) else str(exc)
            results.append(
                CardResult(index, name, "rejected", errors=[{"field": "", "message": message}])
            )
        else:
            results.append(CardResult(index, name, status, contact=contact_id))
    if progress is not None and cards:
        await progress(len(cards), len(cards))
    if not results:
        results.append(
            CardResult(
                0, None, "rejected", errors=[{"field": "", "message": "no BEGIN:VCARD found"}]
            )
        )
    return results
