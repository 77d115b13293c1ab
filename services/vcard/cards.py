"""A contact as a card: the fields every format writes, taken from the directory's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.i18n import FALLBACK, pick
from shared.payloads import Contact

PRODID = "-//Kontakt//Kontakt vCard 0.1//EN"


@dataclass(frozen=True, slots=True)
class Tel:
    """A phone number: E.164 and extension (None: kept as written), kind, as written."""

    e164: str | None
    kind: str
    written: str
    extension: str | None = None

    @property
    def uri(self) -> str | None:
        """RFC 3966: `tel:+37052000009;ext=5555`, or None for a number kept as written."""
        if self.e164 is None:
            return None
        return f"tel:{self.e164};ext={self.extension}" if self.extension else f"tel:{self.e164}"

    @property
    def text(self) -> str:
        """For 3.0's free text: as written when that dials from abroad, else E.164 (+ ext.)."""
        if self.e164 is None or self.written.startswith("+"):
            return self.written
        return f"{self.e164} ext. {self.extension}" if self.extension else self.e164


@dataclass(frozen=True, slots=True)
class Card:
    """Everything a vCard says about one contact, already in one language."""

    uid: str
    given: str
    family: str
    display: str
    organisation: str | None
    phones: tuple[Tel, ...]
    urls: tuple[str, ...]
    categories: tuple[str, ...]
    revision: datetime
    emails: tuple[str, ...] = field(default=())
    # Every title with its language, the one in the card's language (`title`) first.
    titles: tuple[tuple[str, str], ...] = field(default=())

    @property
    def title(self) -> str | None:
        """The title in the card's language (else the default's, English, any)."""
        return self.titles[0][1] if self.titles else None

    @property
    def file_stem(self) -> str:
        """The card's name as a file name."""
        return self.display


def card_from_contact(
    contact: Contact,
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
    titles = contact.get("titles") or {}
    updated = contact.get("updated_at")
    revision = datetime.fromisoformat(updated) if updated else datetime.now(UTC)
    return Card(
        uid=contact["uid"],
        given=contact.get("given_name", ""),
        family=contact.get("family_name", ""),
        display=contact["display_name"],
        organisation=pick(organisation["names"], lang, default) if organisation else None,
        titles=_titles(titles, lang, default),
        phones=tuple(
            Tel(p["e164"], p["kind"], p["written"], p.get("extension"))
            for p in contact.get("phones", [])
        ),
        urls=tuple(urls),
        categories=tuple(c for c in categories if c),
        revision=revision.astimezone(UTC),
        emails=tuple(emails or ()),
    )


def _titles(titles: dict[str, str], lang: str, default: str) -> tuple[tuple[str, str], ...]:
    """Every title by language, the one `pick` chose first, so a writer can say each one's."""
    chosen = pick(titles, lang, default)
    first = next((k for k in (lang, default, FALLBACK, *titles) if titles.get(k) == chosen), None)
    ordered = sorted(titles, key=lambda k: (k != first, k))
    return tuple((k, titles[k]) for k in ordered if titles[k])
