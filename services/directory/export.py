"""The directory out: the whole of it as JSON (`kontakt export`), a network's contacts as CSV rows.

Both come back in through `importing` unchanged: JSON as it is, CSV in the columns below,
lists joined with `|`, phones as `kind:number as written`, networks as `network:role`.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypedDict

import asyncpg

from services.directory.phones import PhoneInput, phone_input
from shared.conn import Conn
from shared.csvio import Cell, CsvWriter
from shared.i18n import LANGUAGES
from shared.payloads import Link, Membership, Texts
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


async def exported_contacts(
    conn: Conn, q: Queries, scope: list[int] | None
) -> AsyncIterator[tuple[asyncpg.Record, ExportedContact]]:
    """Contacts in order, unpublished too (of the networks `scope`, or all), with their rows.

    A keyset page (PAGE) at a time, so memory holds one page however large the directory is;
    run it in a repeatable-read transaction for the pages to be one snapshot.
    """
    after: tuple[int, int] = (-(2**31), 0)
    while True:
        if scope is None:
            page = await conn.fetch(q["page-all-contacts"], *after, PAGE)
        else:
            page = await conn.fetch(q["list-contacts"], scope, None, *after, PAGE, True, None)
        if not page:
            return
        emails = {
            r["contact_id"]: list(r["emails"])
            for r in await conn.fetch(q["contact-emails"], [c["id"] for c in page])
        }
        after = (page[-1]["position"], page[-1]["id"])
        for r in page:
            yield r, contact_export(r, emails.get(r["id"], []))
        # Let go of this page before the next arrives: one page in memory, not two.
        del page, emails, r


@dataclass
class Tally:
    """How many contacts an export has written so far (for the command's last line)."""

    contacts: int = 0


async def export_json(conn: Conn, q: Queries, tally: Tally) -> AsyncIterator[str]:
    """The whole directory, e-mail addresses included, as `kontakt export` writes it: the
    text of `json.dumps(document, indent=2)` in pieces, one contact at a time."""
    networks = await conn.fetch(q["list-networks"])
    organisations = await conn.fetch(q["list-organisations"])
    head = {
        "networks": [{k: r[k] for k in NETWORK_KEYS} for r in networks],
        "organisations": [{k: r[k] for k in ORGANISATION_KEYS} for r in organisations],
    }
    # The document without its closing brace, then the contacts' list written as it goes.
    yield _dumps(head).removesuffix("\n}") + ',\n  "contacts": ['
    separator = "\n"
    async for _, contact in exported_contacts(conn, q, None):
        yield separator + textwrap.indent(_dumps(contact), "    ")
        separator = ",\n"
        tally.contacts += 1
    yield ("]" if separator == "\n" else "\n  ]") + "\n}\n"


async def export_csv(conn: Conn, q: Queries, tally: Tally) -> AsyncIterator[str]:
    """Every contact as `CSV_COLUMNS` rows, the header first (`kontakt export --format csv`)."""
    writer = CsvWriter(CSV_COLUMNS)
    yield writer.header()
    async for _, contact in exported_contacts(conn, q, None):
        yield writer.row(contact_cells(contact))
        tally.contacts += 1


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


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
