"""What readers hand the engine (rows) and what the engine reports back (one shape for all)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypedDict

from shared.errors import FieldError

STATUSES = ("created", "updated", "unchanged", "rejected", "skipped")
# The key a reader gives a title whose language the file does not say (a TITLE without
# LANGUAGE, a "Job Title" column): the engine puts it in the import's `lang`, else in the
# default language of the row's network.
UNSAID = ""
# A text line longer than this (no CSV row or vCard property is near it; a photo's line is
# skipped, not read) rejects its row or card, and is dropped as it arrives, never gathered.
LINE_LIMIT = 256 * 1024


class TooLarge(Exception):
    """The file, without its photos, is larger than the import limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes without its photos")
        self.limit = limit


@dataclass
class Row:
    """One record as a reader found it, in the API's JSON shape, with what the reader noticed.

    `partial` rows (vCards) merge into a contact they match: titles per language, networks
    added; whole rows (CSV, JSON) replace it. `errors` make a row the reader could not read
    (rejected as it is); `skipped` says why a record is not a person (a group card).
    """

    number: int
    line: int
    name: str | None
    data: dict[str, Any]
    kind: str = "contact"
    partial: bool = False
    dropped: list[str] = field(default_factory=list)
    notes: list[FieldError] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    skipped: str | None = None


class OutcomeLine(TypedDict):
    """One row's line of the report (`ImportReport.items` in the directory's OpenAPI)."""

    kind: str
    row: int
    line: int
    name: str | None
    status: str
    contact: int | None
    errors: list[dict[str, str]]
    notes: list[dict[str, str]]
    dropped: list[str]


class ReportJSON(TypedDict):
    """The report (`ImportReport` in the directory's OpenAPI): counts by status, then lines."""

    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    skipped: int
    notes: list[str]
    items: list[OutcomeLine]


def _fields(errors: list[FieldError]) -> list[dict[str, str]]:
    return [e.as_json() for e in errors]


@dataclass
class Outcome:
    """What became of one row."""

    row: Row
    status: str
    contact: int | None = None
    errors: list[FieldError] = field(default_factory=list)
    notes: list[FieldError] = field(default_factory=list)

    def as_json(self) -> OutcomeLine:
        """The row's line of the report."""
        return {
            "kind": self.row.kind,
            "row": self.row.number,
            "line": self.row.line,
            "name": self.row.name,
            "status": self.status,
            "contact": self.contact,
            "errors": _fields(self.errors),
            "notes": _fields(self.row.notes + self.notes),
            "dropped": self.row.dropped,
        }


@dataclass
class Report:
    """Every row's outcome, counted; file-level notes (a legacy code page, unknown columns)."""

    dry_run: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[FieldError] = field(default_factory=list)  # file-level: msgids and values

    def counts(self) -> Counter[str]:
        """Rows by status."""
        return Counter(o.status for o in self.outcomes)

    def as_json(self) -> ReportJSON:
        """The report as the API, the console and the CLI show it."""
        counts = self.counts()
        return {
            "dry_run": self.dry_run,
            "rows": len(self.outcomes),
            "created": counts["created"],
            "updated": counts["updated"],
            "unchanged": counts["unchanged"],
            "rejected": counts["rejected"],
            "skipped": counts["skipped"],
            "notes": [note.text() for note in self.notes],
            "items": [o.as_json() for o in self.outcomes],
        }
