"""Turning request bodies into checked directory records, with every bad field named."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from services.directory.phones import Phone, read_phones
from shared.addresses import normalize_address
from shared.errors import FieldError
from shared.http import web_origin
from shared.i18n import LANGUAGES, N_
from shared.payloads import JSON
from shared.validate import Fields, person_name

ROLES = ("member", "coordinator")
NAME_LIMITS = {"given_name": 100, "family_name": 100, "display_name": 200}


@dataclass(slots=True)
class ContactIn:
    """A contact as the API and importers write it."""

    given_name: str
    family_name: str
    display_name: str
    titles: dict[str, str]
    organisation: str | None
    position: int
    published: bool
    phones: list[Phone] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    links: list[tuple[str, str | None]] = field(default_factory=list)
    networks: list[tuple[str, str]] = field(default_factory=list)
    # What was accepted with a remark (a number kept as written, a duplicate merged).
    notes: list[FieldError] = field(default_factory=list, compare=False)

    def __reduce__(self) -> tuple[type[ContactIn], tuple[object, ...]]:
        # Pickled back from the import's checking workers, a chunk at a time: as one tuple
        # (a slots dataclass's own state functions go field by field in Python: 2 to 2.6 us
        # a contact to send and 1.8 to 3.3 to receive, against 1 and 1.1 to 1.3).
        return ContactIn, (
            self.given_name,
            self.family_name,
            self.display_name,
            self.titles,
            self.organisation,
            self.position,
            self.published,
            self.phones,
            self.emails,
            self.links,
            self.networks,
            self.notes,
        )

    def same_as(self, other: ContactIn) -> bool:
        """Whether saving `other` over this would change nothing (memberships have no order)."""
        mine = dataclasses.replace(self, networks=sorted(self.networks))
        return mine == dataclasses.replace(other, networks=sorted(other.networks))


@dataclass(slots=True)
class NetworkIn:
    """A network as the API writes it."""

    slug: str
    parent: str | None
    names: dict[str, str]
    default_lang: str
    is_private: bool
    position: int
    embed_origins: list[str] | None = None
    country: str | None = None


def _origins(f: Fields) -> list[str] | None:
    """The sites, each kept in the one form browsers send (an IDN's A-labels, lower case)."""
    if not f.has("embed_origins") or f.data["embed_origins"] is None:
        return None
    origins: list[str] = []
    for index, item in enumerate(f.items("embed_origins")):
        origin = item if item == "*" else web_origin(item) if isinstance(item, str) else None
        if origin is None:
            f.fail(
                f"embed_origins[{index}]",
                "must be * (every site) or a site's address such as https://www.norden.ee, "
                "without a page's path",
            )
            continue
        if origin not in origins:
            origins.append(origin)
    if not origins and not f.errors:
        f.fail("embed_origins", "must list at least one origin, or be null to inherit")
    return origins


@dataclass(slots=True)
class OrganisationIn:
    """An organisation as the API writes it."""

    slug: str
    names: dict[str, str]
    country: str | None
    website: str | None


CONTACT_FIELDS = {
    "given_name",
    "family_name",
    "display_name",
    "titles",
    "organisation",
    "position",
    "published",
    "phones",
    "emails",
    "links",
    "networks",
    "revision",
}


def _emails(f: Fields, check_deliverability: bool, notes: list[FieldError]) -> list[str]:
    emails: list[str] = []
    for index, item in enumerate(f.items("emails")):
        name = f"emails[{index}]"
        if not isinstance(item, str) or not item.strip():
            f.fail(name, "must be an e-mail address")
            continue
        try:
            if check_deliverability:
                address = validate_email(item.strip(), check_deliverability=True).normalized
            else:
                address = normalize_address(item.strip())
        except EmailNotValidError as exc:
            f.refused_address(name, exc)
            continue
        if any(e.lower() == address.lower() for e in emails):
            notes.append(
                FieldError(name, "%(address)r is listed twice; merged", {"address": address})
            )
            continue
        emails.append(address)
    return emails


def _links(f: Fields) -> list[tuple[str, str | None]]:
    links: list[tuple[str, str | None]] = []
    for index, item in enumerate(f.items("links")):
        shape = N_('must be a URL or {"url": …, "label": …}')
        inner = f.entry("links", index, item, shape=shape, known={"url", "label"}, shorthand="url")
        if inner is None:
            continue
        url = inner.url("url", required=True)
        label = inner.text("label", max_length=200)
        f.errors.extend(inner.errors)
        if url is None:
            continue
        if any(u == url for u, _ in links):
            continue
        links.append((url, label))
    return links


def _networks(f: Fields) -> list[tuple[str, str]]:
    networks: list[tuple[str, str]] = []
    for index, item in enumerate(f.items("networks")):
        name = f"networks[{index}]"
        shape = N_('must be a network slug or {"network": …, "role": …}')
        known = {"network", "role"}
        inner = f.entry("networks", index, item, shape=shape, known=known, shorthand="network")
        if inner is None:
            continue
        slug = inner.slug("network", required=True)
        role = inner.choice("role", ROLES, default="member")
        f.errors.extend(inner.errors)
        if slug is None or role is None:
            continue
        if any(s == slug for s, _ in networks):
            f.fail(f"{name}.network", "is listed twice")
            continue
        networks.append((slug, role))
    return networks


def network_slugs(data: Mapping[str, object]) -> list[str]:
    """The network slugs a contact's JSON names, in order, before it is checked."""
    items = data.get("networks")
    if not isinstance(items, list):
        return []
    slugs = [item.get("network") if isinstance(item, dict) else item for item in items]
    return [s for s in slugs if isinstance(s, str)]


def names_kept(stored: Mapping[str, object]) -> dict[str, object]:
    """A stored contact with its names as the name rule keeps them, read before a change."""
    # A name stored before the rule (an invisible mark from a pasted address book) is taken
    # out here, never refused: a contact must stay editable, and its other fields importable.
    kept = dict(stored)
    for key, limit in NAME_LIMITS.items():
        value = stored.get(key)
        if isinstance(value, str):
            kept[key] = person_name(value, max_length=limit)[0][:limit]
    return kept


def contact_in(
    data: Mapping[str, object],
    *,
    check_deliverability: bool = False,
    region: str | None = None,
    keep_unreadable: bool = False,
    known_phones: Mapping[str, Phone] | None = None,
) -> ContactIn:
    """A whole contact from JSON; raises ValidationFailed naming every bad field.

    `region` reads national phone numbers (the network's country); `keep_unreadable` keeps
    numbers that cannot be read as written (imports); `known_phones` are the stored ones
    (see `phones.read_phones`).
    """
    f = Fields(data)
    notes: list[FieldError] = []
    phones, phone_notes = read_phones(f, region, keep_unreadable, known_phones or {})
    notes.extend(phone_notes)
    f.unknown(CONTACT_FIELDS)
    # A contact's names by the one name rule (shared.validate.person_name), as a subscriber's.
    given = f.name("given_name", default="", max_length=NAME_LIMITS["given_name"]) or ""
    family = f.name("family_name", default="", max_length=NAME_LIMITS["family_name"]) or ""
    display = f.name("display_name", max_length=NAME_LIMITS["display_name"]) or " ".join(
        p for p in (given, family) if p
    )
    if not display and not any(e.field.startswith(("given_name", "family_name")) for e in f.errors):
        f.fail("display_name", "is required when there is no given or family name")
    contact = ContactIn(
        given_name=given,
        family_name=family,
        display_name=display,
        titles=f.texts("titles"),
        organisation=f.slug("organisation"),
        position=f.integer("position", 0) or 0,
        published=bool(f.boolean("published", True)),
        phones=phones,
        emails=_emails(f, check_deliverability, notes),
        links=_links(f),
        networks=_networks(f),
        notes=notes,
    )
    f.integer("revision", low=1)
    f.done()
    return contact


def network_in(data: Mapping[str, JSON]) -> NetworkIn:
    """A network from JSON."""
    f = Fields(data)
    f.unknown(
        {
            "slug",
            "parent",
            "names",
            "default_lang",
            "is_private",
            "position",
            "revision",
            "embed_origins",
            "country",
        }
    )
    network = NetworkIn(
        slug=f.slug("slug", required=True) or "",
        parent=f.slug("parent"),
        names=f.texts("names", required=True, max_length=200),
        default_lang=f.choice("default_lang", LANGUAGES, default="en") or "en",
        is_private=bool(f.boolean("is_private", False)),
        position=f.integer("position", 0) or 0,
        embed_origins=_origins(f),
        country=_country(f),
    )
    f.integer("revision", low=1)
    if network.parent is not None and network.parent == network.slug:
        f.fail("parent", "a network cannot be its own parent")
    f.done()
    return network


def _country(f: Fields) -> str | None:
    country = f.text("country", max_length=2)
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        f.fail("country", "must be a two-letter country code such as EE")
        return None
    return country


def organisation_in(data: Mapping[str, JSON]) -> OrganisationIn:
    """An organisation from JSON."""
    f = Fields(data)
    f.unknown({"slug", "names", "country", "website", "revision"})
    country = _country(f)
    organisation = OrganisationIn(
        slug=f.slug("slug", required=True) or "",
        names=f.texts("names", required=True, max_length=200),
        country=country,
        website=f.url("website"),
    )
    f.integer("revision", low=1)
    f.done()
    return organisation
