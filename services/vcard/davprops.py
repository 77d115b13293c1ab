"""WebDAV properties of the CardDAV resources: principal, home, address books, cards."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from services.vcard.books import HOME, Book, Member
from services.vcard.davxml import (
    CARD,
    CS,
    DAV,
    Props,
    element,
    fragment,
    href_element,
    response,
    tag,
)
from services.vcard.render import vcard
from services.vcard.synctoken import sync_token

PRINCIPAL = "/dav/principal/"
TEXT_VCARD = "text/vcard; charset=utf-8"
REPORTS = (
    tag(CARD, "addressbook-multiget"),
    tag(CARD, "addressbook-query"),
    tag(DAV, "sync-collection"),
)
COLLECTION_PROPS = [
    tag(DAV, "resourcetype"),
    tag(DAV, "displayname"),
    tag(CS, "getctag"),
    tag(DAV, "sync-token"),
    tag(CARD, "supported-address-data"),
    tag(DAV, "current-user-privilege-set"),
    tag(DAV, "current-user-principal"),
    tag(DAV, "supported-report-set"),
    tag(CARD, "addressbook-description"),
]
ITEM_PROPS = [tag(DAV, "getetag"), tag(DAV, "getcontenttype"), tag(DAV, "resourcetype")]
PRINCIPAL_PROPS = [
    tag(DAV, "current-user-principal"),
    tag(CARD, "addressbook-home-set"),
    tag(DAV, "resourcetype"),
    tag(DAV, "displayname"),
]


def read_only() -> ET.Element:
    """DAV:current-user-privilege-set: read, nothing else (RFC 3744)."""
    return element(
        tag(DAV, "current-user-privilege-set"),
        element(tag(DAV, "privilege"), element(tag(DAV, "read"))),
        element(tag(DAV, "privilege"), element(tag(DAV, "read-current-user-privilege-set"))),
    )


def ctag(book: Book, version: str) -> str:
    """Changes whenever the directory's data (or the caller's view) does."""
    return hashlib.sha256(f"{book.view.key}:{version}".encode()).hexdigest()[:24]


def address_data(member: Member, request: ET.Element | None) -> ET.Element:
    """CARDDAV:address-data in the version asked for (3.0 unless 4.0 is asked)."""
    version = "4.0" if request is not None and request.get("version") == "4.0" else "3.0"
    text = member.text if version == "3.0" else vcard(member.card, "4.0")
    return element(tag(CARD, "address-data"), text=text)


def member_response(
    member: Member, wanted: list[str], data_request: ET.Element | None, minimal: bool
) -> str:
    """One card's properties, as a response fragment made once per card and question."""
    version = data_request.get("version") if data_request is not None else None
    key = (*wanted, version, minimal)
    made = member.fragments.get(key)
    if made is None:
        made = fragment(_member_element(member, wanted, data_request, minimal))
        member.fragments[key] = made
    return made


def _member_element(
    member: Member, wanted: list[str], data_request: ET.Element | None, minimal: bool
) -> ET.Element:
    found: Props = {}
    missing = []
    for name in wanted:
        if name == tag(DAV, "getetag"):
            found[name] = member.etag
        elif name == tag(DAV, "getcontenttype"):
            found[name] = TEXT_VCARD
        elif name == tag(DAV, "resourcetype"):
            found[name] = element(name)
        elif name == tag(CARD, "address-data"):
            found[name] = address_data(member, data_request)
        elif name == tag(DAV, "displayname"):
            found[name] = member.contact["display_name"]
        elif name == tag(DAV, "current-user-privilege-set"):
            found[name] = read_only()
        else:
            missing.append(name)
    return response(member.href, found, () if minimal else missing)


def collection_response(
    book: Book, version: str, token: str, wanted: list[str], minimal: bool
) -> ET.Element:
    """An address book's properties; `token` is the directory's, `version` its data version."""
    found: Props = {}
    missing = []
    for name in wanted:
        if name == tag(DAV, "resourcetype"):
            found[name] = element(
                name, element(tag(DAV, "collection")), element(tag(CARD, "addressbook"))
            )
        elif name in (tag(DAV, "displayname"), tag(CARD, "addressbook-description")):
            found[name] = book.name
        elif name == tag(CS, "getctag"):
            found[name] = ctag(book, version)
        elif name == tag(DAV, "sync-token"):
            found[name] = sync_token(book.view, token)
        elif name == tag(CARD, "supported-address-data"):
            found[name] = element(
                name,
                *(
                    element(
                        tag(CARD, "address-data-type"),
                        **{"content-type": "text/vcard", "version": version},
                    )
                    for version in ("3.0", "4.0")
                ),
            )
        elif name == tag(DAV, "current-user-privilege-set"):
            found[name] = read_only()
        elif name in (tag(DAV, "current-user-principal"), tag(DAV, "owner")):
            found[name] = href_element(name, PRINCIPAL)
        elif name == tag(DAV, "supported-report-set"):
            found[name] = element(
                name,
                *(
                    element(
                        tag(DAV, "supported-report"), element(tag(DAV, "report"), element(report))
                    )
                    for report in REPORTS
                ),
            )
        else:
            missing.append(name)
    return response(f"{HOME}{book.slug}/", found, () if minimal else missing)


def principal_response(href: str, wanted: list[str], home: bool, minimal: bool) -> ET.Element:
    """The principal's properties, as answered at the root, the principal and the home set."""
    found: Props = {}
    missing = []
    for name in wanted:
        if name in (tag(DAV, "current-user-principal"), tag(DAV, "principal-URL")):
            found[name] = href_element(name, PRINCIPAL)
        elif name == tag(CARD, "addressbook-home-set"):
            found[name] = href_element(name, HOME)
        elif name == tag(DAV, "principal-collection-set"):
            found[name] = href_element(name, PRINCIPAL)
        elif name == tag(DAV, "resourcetype"):
            kind = element(tag(DAV, "collection")) if home else element(tag(DAV, "principal"))
            found[name] = element(name, kind)
        elif name == tag(DAV, "displayname"):
            found[name] = "Kontakt"
        elif name == tag(DAV, "current-user-privilege-set"):
            found[name] = read_only()
        else:
            missing.append(name)
    return response(href, found, () if minimal else missing)
