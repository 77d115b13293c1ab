"""The directory out: the whole of it as JSON (`kontakt export`), a network's contacts as CSV rows.

Both come back in through `importing` unchanged: JSON as it is, CSV in the columns below,
lists joined with `|`, phones as `kind:number as written`, networks as `network:role`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

import asyncpg

from services.directory.phones import PhoneInput, phone_input
from shared.conn import Conn
from shared.csvio import Cell, CsvWriter
from shared.i18n import LANGUAGES
from shared.payloads import JSON, Link, Membership, Texts
from shared.queries import Queries

CSV_COLUMNS = [
    "uid",
    "given_name",
    "family_name",
    "display_name",
    *(f"title_{lang}" for lang in LANGUAGES),
    "organisation",
    "phones",
    "emails",
    "links",
    "networks",
    "position",
    "published",
]


SEPARATOR = "|"


PAGE = 1000


# A network's own fields (what an export carries and a PATCH starts from).
NETWORK_KEYS = (
    "slug",
    "parent",
    "country",
    "default_lang",
    "embed_origins",
    "is_private",
    "names",
    "position",
)
# An organisation's own fields (what an export carries and a PATCH starts from).
ORGANISATION_KEYS = ("slug", "names", "country", "website")


class ExportedContact(TypedDict):
    """A contact as `kontakt export` writes it and every import reads it back."""

    uid: str
    given_name: str
    family_name: str
    display_name: str
    titles: Texts
    organisation: str | None
    phones: list[PhoneInput]
    emails: list[str]
    links: list[Link]
    networks: list[Membership]
    position: int
    published: bool


class ExportDocument(TypedDict):
    """The whole directory (`kontakt export`): networks, organisations and contacts."""

    networks: list[dict[str, JSON]]
    organisations: list[dict[str, JSON]]
    contacts: list[ExportedContact]


async def export_document(conn: Conn, q: Queries) -> ExportDocument:
    """The whole directory, e-mail addresses included (for operators and entitled callers)."""
    networks = await conn.fetch(q["list-networks"])
    organisations = await conn.fetch(q["list-organisations"])
    contacts = await conn.fetch(q["all-contacts"])
    emails = {
        r["contact_id"]: list(r["emails"])
        for r in await conn.fetch(q["contact-emails"], [c["id"] for c in contacts])
    }
    return {
        "networks": [{k: r[k] for k in NETWORK_KEYS} for r in networks],
        "organisations": [{k: r[k] for k in ORGANISATION_KEYS} for r in organisations],
        "contacts": [contact_export(c, emails.get(c["id"], [])) for c in contacts],
    }


def contact_export(row: asyncpg.Record, emails: list[str]) -> ExportedContact:
    """A contact as `kontakt export` writes it and every import reads it back."""
    return {
        "uid": str(row["uid"]),
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "display_name": row["display_name"],
        "titles": row["titles"],
        "organisation": row["org_slug"],
        "phones": [phone_input(p) for p in row["phones"]],
        "emails": emails,
        "links": row["links"],
        "networks": row["networks"],
        "position": row["position"],
        "published": row["published"],
    }


def contact_cells(c: ExportedContact) -> list[Cell]:
    """One exported contact as the cells of `CSV_COLUMNS`; lists joined with '|'."""
    return [
        c["uid"],
        c["given_name"],
        c["family_name"],
        c["display_name"],
        *(c["titles"].get(lang, "") for lang in LANGUAGES),
        c["organisation"] or "",
        SEPARATOR.join(f"{p['kind']}:{p['number']}" for p in c["phones"]),
        SEPARATOR.join(c["emails"]),
        SEPARATOR.join(link["url"] for link in c["links"]),
        SEPARATOR.join(f"{n['network']}:{n['role']}" for n in c["networks"]),
        c["position"],
        c["published"],
    ]


def contacts_to_csv(contacts: Iterable[ExportedContact]) -> str:
    """Exported contacts as one CSV text (the command line's export)."""
    return CsvWriter(CSV_COLUMNS).text(contact_cells(c) for c in contacts)
