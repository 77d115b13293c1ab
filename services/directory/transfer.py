"""Import and export of the whole directory as JSON or CSV, with a report per rejected row."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.directory.store import (
    create_contact,
    create_network,
    create_organisation,
    replace_contact,
    update_network,
)
from services.directory.validation import contact_in, network_in, organisation_in
from shared.conn import Conn
from shared.csvio import Cell, CsvWriter, restore
from shared.errors import DomainError, ValidationFailed
from shared.i18n import LANGUAGES
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

Progress = Callable[[int, int], None]


@dataclass
class Report:
    """What an import did: counts, and why each rejected row was rejected."""

    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return {"created": self.created, "updated": self.updated, "rejected": self.rejected}


def _reasons(exc: Exception) -> list[dict[str, str]]:
    if isinstance(exc, ValidationFailed):
        return [{"field": e.field, "message": e.message} for e in exc.errors]
    if isinstance(exc, DomainError):
        return [{"field": "", "message": exc.detail}]
    return [{"field": "", "message": f"{type(exc).__name__}: {exc}"}]


async def import_row(conn: Conn, report: Report, kind: str, index: int, work: Any) -> None:
    # A savepoint per row: a bad row is reported and rolled back, the good ones stay.
    try:
        async with conn.transaction():
            created = await work()
    except (DomainError, asyncpg.IntegrityConstraintViolationError, ValueError) as exc:
        report.rejected.append({"kind": kind, "row": index, "errors": _reasons(exc)})
        return
    if created:
        report.created += 1
    else:
        report.updated += 1


async def import_contact(conn: Conn, q: Queries, data: dict[str, Any]) -> bool:
    """Create or (when its uid is known) overwrite one contact; True when created."""
    data = dict(data)
    uid = data.pop("uid", None) or None
    for read_only in ("id", "title", "has_email", "created_at", "updated_at", "revision"):
        data.pop(read_only, None)
    if isinstance(data.get("organisation"), dict):
        data["organisation"] = data["organisation"].get("slug")
    if uid is not None:
        uid = str(uuid.UUID(str(uid)))
        existing = await conn.fetchval(q["contact-by-uid"], uid)
        if existing is not None:
            await conn.fetchrow(q["lock-contact"], existing)
            await replace_contact(conn, q, existing, contact_in(data))
            return False
    await create_contact(conn, q, contact_in(data), uid)
    return True


async def import_document(
    conn: Conn, q: Queries, doc: dict[str, Any], progress: Progress | None = None
) -> Report:
    """Import networks, organisations and contacts; running it twice changes nothing more."""
    report = Report()
    networks = list(doc.get("networks") or [])
    organisations = list(doc.get("organisations") or [])
    contacts = list(doc.get("contacts") or [])
    total, done = len(networks) + len(organisations) + len(contacts), 0

    for index, raw in enumerate(networks):

        async def network_work(raw: dict[str, Any] = raw) -> bool:
            n = network_in({k: v for k, v in raw.items() if k in _NETWORK_KEYS})
            if await conn.fetchval(q["network-ids-by-slug"], [n.slug]):
                await update_network(conn, q, n.slug, n, None)
                return False
            await create_network(conn, q, n)
            return True

        await import_row(conn, report, "network", index, network_work)
        done += 1
        if progress:
            progress(done, total)

    for index, raw in enumerate(organisations):

        async def organisation_work(raw: dict[str, Any] = raw) -> bool:
            o = organisation_in({k: v for k, v in raw.items() if k in _ORGANISATION_KEYS})
            existing = await conn.fetchval(q["organisation-id"], o.slug)
            if existing:
                await conn.execute(
                    q["update-organisation"], existing, o.slug, o.names, o.country, o.website
                )
                return False
            await create_organisation(conn, q, o)
            return True

        await import_row(conn, report, "organisation", index, organisation_work)
        done += 1
        if progress:
            progress(done, total)

    await import_contacts(conn, q, list(enumerate(contacts)), report, progress, done, total)
    return report


async def import_contacts(
    conn: Conn,
    q: Queries,
    numbered: list[tuple[int, dict[str, Any]]],
    report: Report,
    progress: Progress | None = None,
    done: int = 0,
    total: int | None = None,
) -> Report:
    """Import contacts one savepoint each, reporting rejected rows by their number."""
    total = len(numbered) if total is None else total
    for number, raw in numbered:
        await import_row(
            conn, report, "contact", number, lambda raw=raw: import_contact(conn, q, raw)
        )
        done += 1
        if progress:
            progress(done, total)
    return report


_NETWORK_KEYS = {
    "slug",
    "parent",
    "names",
    "default_lang",
    "is_private",
    "position",
    "embed_origins",
    "country",
}
_ORGANISATION_KEYS = {"slug", "names", "country", "website"}


async def export_document(conn: Conn, q: Queries) -> dict[str, Any]:
    """The whole directory, e-mail addresses included (for operators and entitled callers)."""
    networks = await conn.fetch(q["list-networks"])
    organisations = await conn.fetch(q["list-organisations"])
    contacts = await conn.fetch(q["all-contacts"])
    emails = {
        r["contact_id"]: list(r["emails"])
        for r in await conn.fetch(q["contact-emails"], [c["id"] for c in contacts])
    }
    return {
        "networks": [
            {k: r[k] for k in ("slug", "parent", *sorted(_NETWORK_KEYS - {"slug", "parent"}))}
            for r in networks
        ],
        "organisations": [
            {k: r[k] for k in ("slug", "names", "country", "website")} for r in organisations
        ],
        "contacts": [contact_export(c, emails.get(c["id"], [])) for c in contacts],
    }


def contact_export(row: asyncpg.Record, emails: list[str]) -> dict[str, Any]:
    return {
        "uid": str(row["uid"]),
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "display_name": row["display_name"],
        "titles": row["titles"],
        "organisation": row["org_slug"],
        "phones": [
            {
                "number": p["written"],
                "e164": p["e164"],
                "kind": p["kind"],
                "extension": p["extension"],
            }
            for p in row["phones"]
        ],
        "emails": emails,
        "links": row["links"],
        "networks": row["networks"],
        "position": row["position"],
        "published": row["published"],
    }


def contact_cells(c: dict[str, Any]) -> list[Cell]:
    """One exported contact as the cells of `CSV_COLUMNS`; lists joined with '|'."""
    return [
        c["uid"],
        c["given_name"],
        c["family_name"],
        c["display_name"],
        *(c["titles"].get(lang, "") for lang in LANGUAGES),
        c["organisation"] or "",
        SEPARATOR.join(p["e164"] or p["number"] for p in c["phones"]),
        SEPARATOR.join(c["emails"]),
        SEPARATOR.join(link["url"] for link in c["links"]),
        SEPARATOR.join(f"{n['network']}:{n['role']}" for n in c["networks"]),
        c["position"],
        c["published"],
    ]


def contacts_to_csv(contacts: Iterable[dict[str, Any]]) -> str:
    """Exported contacts as one CSV text (the command line's export)."""
    return CsvWriter(CSV_COLUMNS).text(contact_cells(c) for c in contacts)


def csv_to_contacts(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """Contacts from CSV text by row number (1 = first data row), and rows that cannot be read."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"given_name", "family_name", "networks"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"the CSV header lacks {', '.join(sorted(missing))}")
    contacts: list[tuple[int, dict[str, Any]]] = []
    problems: list[dict[str, Any]] = []
    for index, raw in enumerate(reader, start=1):
        # Our own export neutralised formula-like cells; reading it back restores them.
        row = {k: restore(v) for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}

        def split(name: str, row: dict[str, str] = row) -> list[str]:
            return [v.strip() for v in (row.get(name) or "").split(SEPARATOR) if v.strip()]

        networks = []
        for item in split("networks"):
            slug, _, role = item.partition(":")
            networks.append({"network": slug.strip(), "role": role.strip() or "member"})
        contact: dict[str, Any] = {
            "uid": (row.get("uid") or "").strip() or None,
            "given_name": row.get("given_name") or "",
            "family_name": row.get("family_name") or "",
            "titles": {
                lang: row[f"title_{lang}"] for lang in LANGUAGES if row.get(f"title_{lang}")
            },
            "organisation": (row.get("organisation") or "").strip() or None,
            "phones": split("phones"),
            "emails": split("emails"),
            "links": split("links"),
            "networks": networks,
        }
        if (row.get("display_name") or "").strip():
            contact["display_name"] = row["display_name"]
        position = (row.get("position") or "").strip()
        if position:
            if not position.lstrip("-").isdigit():
                problems.append(
                    {
                        "kind": "contact",
                        "row": index,
                        "errors": [{"field": "position", "message": "must be a whole number"}],
                    }
                )
                continue
            contact["position"] = int(position)
        published = (row.get("published") or "").strip().lower()
        if published:
            contact["published"] = published in {"true", "1", "yes"}
        contacts.append((index, contact))
    return contacts, problems
