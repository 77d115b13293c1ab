"""Turning request bodies into checked directory records, with every bad field named."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared.i18n import LANGUAGES
from shared.validate import Fields

ROLES = ("member", "coordinator")
PHONE_KINDS = ("work", "cell", "voice", "fax", "home")
_SPLIT = re.compile(r"\s*[,;]\s*")


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as E.164 and as it was written."""

    e164: str
    written: str
    kind: str


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


ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def _origins(f: Fields) -> list[str] | None:
    if not f.has("embed_origins") or f.data["embed_origins"] is None:
        return None
    origins: list[str] = []
    for index, item in enumerate(f.items("embed_origins")):
        if not isinstance(item, str) or not (item == "*" or ORIGIN.match(item)):
            f.fail(
                f"embed_origins[{index}]", "must be * or an origin such as https://www.norden.ee"
            )
            continue
        origins.append(item)
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


def parse_phone(raw: str, region: str | None) -> phonenumbers.PhoneNumber:
    """Parse one number; raises ValueError with a reason a person understands."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(
            "is not a phone number; write it internationally, e.g. +372 7423 625"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number for its country")
    return number


def _phones(f: Fields) -> list[Phone]:
    phones: list[Phone] = []
    for index, item in enumerate(f.items("phones")):
        name = f"phones[{index}]"
        if isinstance(item, str):
            item = {"number": item}
        if not isinstance(item, dict):
            f.fail(name, 'must be a string or {"number": …, "kind": …}')
            continue
        inner = Fields(item, prefix=f"{f.path(name)}.")
        inner.unknown({"number", "kind", "region", "e164"})
        written = inner.text("number", required="e164" not in item, max_length=100)
        e164_hint = inner.text("e164", max_length=20)
        region = inner.text("region", max_length=2)
        kind = inner.choice("kind", PHONE_KINDS)
        if region is not None and not re.fullmatch(r"[A-Z]{2}", region):
            inner.fail("region", "must be a two-letter country code such as EE")
            region = None
        f.errors.extend(inner.errors)
        if inner.errors:
            continue
        # One written string may hold several numbers: "+372 7423 625, +372 50 46570".
        parts = [e164_hint] if e164_hint else _SPLIT.split(written or "")
        for part in filter(None, parts):
            try:
                number = parse_phone(part, region)
            except ValueError as exc:
                f.fail(f"{name}.number", f"{part!r} {exc}")
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if kind is None:
                mobile = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
                this_kind = "cell" if mobile else "work"
            else:
                this_kind = kind
            shown = written if (e164_hint and written) else part
            if any(p.e164 == e164 for p in phones):
                f.fail(f"{name}.number", f"{part!r} is listed twice")
                continue
            phones.append(Phone(e164, shown, this_kind))
    return phones


def _emails(f: Fields, check_deliverability: bool) -> list[str]:
    emails: list[str] = []
    for index, item in enumerate(f.items("emails")):
        name = f"emails[{index}]"
        if not isinstance(item, str) or not item.strip():
            f.fail(name, "must be an e-mail address")
            continue
        try:
            result = validate_email(
                item.strip(), check_deliverability=check_deliverability, allow_smtputf8=True
            )
        except EmailNotValidError as exc:
            f.fail(name, str(exc))
            continue
        if any(e.lower() == result.normalized.lower() for e in emails):
            f.fail(name, "is listed twice")
            continue
        emails.append(result.normalized)
    return emails


def _links(f: Fields) -> list[tuple[str, str | None]]:
    links: list[tuple[str, str | None]] = []
    for index, item in enumerate(f.items("links")):
        name = f"links[{index}]"
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict):
            f.fail(name, 'must be a URL or {"url": …, "label": …}')
            continue
        inner = Fields(item, prefix=f"{f.path(name)}.")
        inner.unknown({"url", "label"})
        url = inner.url("url", required=True)
        label = inner.text("label", max_length=200)
        f.errors.extend(inner.errors)
        if url is None:
            continue
        if any(u == url for u, _ in links):
            f.fail(f"{name}.url", "is listed twice")
            continue
        links.append((url, label))
    return links


def _networks(f: Fields) -> list[tuple[str, str]]:
    networks: list[tuple[str, str]] = []
    for index, item in enumerate(f.items("networks")):
        name = f"networks[{index}]"
        if isinstance(item, str):
            item = {"network": item}
        if not isinstance(item, dict):
            f.fail(name, 'must be a network slug or {"network": …, "role": …}')
            continue
        inner = Fields(item, prefix=f"{f.path(name)}.")
        inner.unknown({"network", "role"})
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


def contact_in(data: dict[str, Any], *, check_deliverability: bool = False) -> ContactIn:
    """A whole contact from JSON; raises ValidationFailed naming every bad field."""
    f = Fields(data)
    f.unknown(CONTACT_FIELDS)
    given = f.text("given_name", default="", max_length=100) or ""
    family = f.text("family_name", default="", max_length=100) or ""
    display = f.text("display_name", max_length=200) or " ".join(p for p in (given, family) if p)
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
        phones=_phones(f),
        emails=_emails(f, check_deliverability),
        links=_links(f),
        networks=_networks(f),
    )
    f.integer("revision", low=1)
    f.done()
    return contact


def network_in(data: dict[str, Any]) -> NetworkIn:
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
    )
    f.integer("revision", low=1)
    if network.parent is not None and network.parent == network.slug:
        f.fail("parent", "a network cannot be its own parent")
    f.done()
    return network


def organisation_in(data: dict[str, Any]) -> OrganisationIn:
    """An organisation from JSON."""
    f = Fields(data)
    f.unknown({"slug", "names", "country", "website", "revision"})
    country = f.text("country", max_length=2)
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        f.fail("country", "must be a two-letter country code such as EE")
    organisation = OrganisationIn(
        slug=f.slug("slug", required=True) or "",
        names=f.texts("names", required=True, max_length=200),
        country=country,
        website=f.url("website"),
    )
    f.integer("revision", low=1)
    f.done()
    return organisation
