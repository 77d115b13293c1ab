"""A contact as a card: the fields every format writes, taken from the directory's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.i18n import pick

PRODID = "-//Kontakt//Kontakt vCard 0.1//EN"


@dataclass(frozen=True, slots=True)
class Card:
    """Everything a vCard says about one contact, already in one language."""

    uid: str
    given: str
    family: str
    display: str
    organisation: str | None
    title: str | None
    phones: tuple[tuple[str, str, str], ...]  # (E.164, kind, as written)
    urls: tuple[str, ...]
    categories: tuple[str, ...]
    revision: datetime
    emails: tuple[str, ...] = field(default=())

    @property
    def file_stem(self) -> str:
        """The card's name as a file name."""
        return self.display


def card_from_contact(
    contact: dict[str, Any],
    lang: str,
    network_names: dict[str, dict[str, str]],
    emails: list[str] | None,
) -> Card:
    """A card from the directory's contact JSON; `emails` only for a caller entitled to them."""
    default = "en"
    organisation = contact.get("organisation")
    urls = [link["url"] for link in contact.get("links", [])]
    categories = []
    for membership in contact.get("networks", []):
        names = network_names.get(membership["network"])
        categories.append(pick(names, lang) if names else membership["network"])
    updated = contact.get("updated_at")
    revision = datetime.fromisoformat(updated) if updated else datetime.now(UTC)
    return Card(
        uid=contact["uid"],
        given=contact.get("given_name", ""),
        family=contact.get("family_name", ""),
        display=contact["display_name"],
        organisation=pick(organisation["names"], lang, default) if organisation else None,
        title=pick(contact.get("titles"), lang, default),
        phones=tuple((p["e164"], p["kind"], p["written"]) for p in contact.get("phones", [])),
        urls=tuple(urls),
        categories=tuple(c for c in categories if c),
        revision=revision.astimezone(UTC),
        emails=tuple(emails or ()),
    )
