"""Contacts from CSV: Kontakt's own export, and the columns spreadsheets and mail programs write.

Kontakt's columns (`uid, given_name, family_name, display_name, title_en … title_lt,
organisation, phones, emails, links, networks, position, published`; lists separated by `|`,
phones as `kind:number`, networks as `lv:coordinator`) come back exactly as exported. Outlook's
and Google's contact CSV columns, and names in Estonian, Latvian and Lithuanian, are read too.
The separator is sniffed; each line's text is decoded like a vCard value (see `charsets`), so
Excel's plain "CSV" in a Baltic locale (Windows-1257) reads as it was typed.
"""

from __future__ import annotations

import csv
import re
from typing import Any

from services.directory.importing.charsets import NAMES as CHARSETS
from services.directory.importing.charsets import READ_AS, Decoder
from services.directory.importing.rows import LINE_LIMIT, UNSAID, Row, TooLarge
from services.directory.importing.values import label_kind, web_address
from services.directory.phones import KINDS
from shared.csvio import (
    EMAIL_HEADERS,
    FAMILY_NAME_HEADERS,
    GIVEN_NAME_HEADERS,
    Transcoder,
    header_key,
    restore,
    sniff,
)
from shared.errors import BadRequest, FieldError
from shared.i18n import LANGUAGES, N_
from shared.text import nfc

SEPARATOR = "|"
# Google's export puts several values in one cell with " ::: ".
_LIST = re.compile(r"\s*(?:\||:::)\s*")
# The csv module's own limit on one cell (`csv.field_size_limit()`): a longer one is refused.
CELL_LIMIT = csv.field_size_limit()
_SEP = re.compile(r'"?sep=([,;\t|])"?[,;\t]*', re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Kontakt's own columns, then other programs' names for the same thing; phone columns name
# the kind of number they hold.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "uid": ("uid",),
    # In a contact list, "Vārds" and "Vardas" beside a family name are the given name.
    "given_name": ("given_name", *GIVEN_NAME_HEADERS, "first", "vards", "vardas"),
    "family_name": ("family_name", *FAMILY_NAME_HEADERS),
    "display_name": ("display_name", "displayname", "name", "fullname", "nimi", "pilnasvardas"),
    "organisation": (
        "organisation", "organization", "company", "organizationname", "asutus",
        "organisatsioon", "iestade", "organizacija", "imone",
    ),
    "title": (
        "title", "jobtitle", "organizationtitle", "ametinimetus", "ametikoht", "amets", "amats",
        "pareigos",
    ),
    "phones": (
        "phones", "phone", "telephone", "telefon", "talrunis", "telefonas", "primaryphone",
        "otherphone",
    ),
    "phones:work": (
        "businessphone", "businessphone2", "companymainphone", "workphone", "tootelefon",
        "darbatalrunis", "darbotelefonas",
    ),
    "phones:cell": (
        "mobilephone", "mobilenumber", "mobile", "cell", "carphone", "mobiil", "mobiiltelefon",
        "mobilais", "mobilaistalrunis", "mobilusis", "mobilusistelefonas",
    ),
    "phones:home": ("homephone", "homephone2"),
    "phones:fax": (
        "businessfax", "homefax", "otherfax", "fax", "faxnumber", "faks", "fakss", "faksas",
    ),
    "phones:voice": ("pager", "pagernumber"),
    # Outlook's, Thunderbird's second and third addresses too: a contact has several.
    "emails": (
        "emails", *EMAIL_HEADERS, "email2address", "email3address", "primaryemail",
        "secondaryemail",
    ),
    "links": (
        "links", "website", "webpage", "webpage1", "webpage2", "personalwebpage",
        "businesswebpage", "url", "koduleht", "majaslapa", "svetaine",
    ),
    "networks": ("networks",),
    "position": ("position",),
    "published": ("published",),
}  # fmt: skip
ALIASES = {header_key(name): column for column, names in _COLUMNS.items() for name in names}
for _lang in LANGUAGES:
    ALIASES[header_key(f"title_{_lang}")] = f"title_{_lang}"
# Google's numbered columns: "Phone 2 - Label", "Phone 2 - Value", "E-mail 1 - Value",
# "Organization 1 - Name"; a label names the kind of the numbers in the value beside it.
_NUMBERED = re.compile(r"(phone|email|website|organization)\d+(value|label|type|name|title)")
_NUMBERED_AS = {
    ("phone", "value"): "phones",
    ("phone", "label"): "phone_label",
    ("phone", "type"): "phone_label",
    ("email", "value"): "emails",
    ("website", "value"): "links",
    ("organization", "name"): "organisation",
    ("organization", "title"): "title",
}
# A header that means the job only where no other column does: Outlook's "Title" beside its
# "Job Title" is the courtesy title ("Dr."), which Kontakt does not keep.
_WEAK = {header_key("title"): "title"}
NAMES = {"given_name", "family_name", "display_name"}


class CsvReader:
    """Feed a CSV file's bytes; get back a row per record (the header is row 1)."""

    def __init__(self, limit: int, http_charset: str | None = None) -> None:
        self.limit = limit
        self.decoder = Decoder(http_charset)
        self.transcoder = Transcoder()
        self.counted = 0
        self.carry = b""
        self.line = 0
        self.record: list[str] = []
        self.record_line = 0
        self.quotes = 0
        self.number = 1
        self.columns: list[str] | None = None
        self.separator = ","
        self.ignored: list[str] = []
        self.skipping = False  # the rest of an over-long line is being dropped
        self.separator_said: str | None = None  # by Excel's `sep=;` first line
        self.titles = 0  # title rows above the header, skipped

    @property
    def notes(self) -> list[FieldError]:
        """File-level remarks: columns not kept, the legacy code page text was read in."""
        columns = {"columns": ", ".join(self.ignored)}
        notes = (
            [FieldError("", N_("Columns Kontakt does not keep: %(columns)s."), columns)]
            if self.ignored
            else []
        )
        return notes + [
            FieldError("", READ_AS, {"charset": CHARSETS.get(c, c)})
            for c in sorted(self.decoder.used_legacy)
        ]

    def feed(self, chunk: bytes) -> list[Row]:
        """Rows for the records this piece completes."""
        data = self.carry + self.transcoder.feed(chunk)
        end = data.rfind(b"\n")
        if end < 0:
            self.carry = data
            if len(data) > LINE_LIMIT:
                return self._overlong()
            self._count(0)
            return []
        self.carry = data[end + 1 :]
        return self._lines(data[: end + 1].split(b"\n")[:-1])

    def close(self) -> list[Row]:
        """Rows for what is left."""
        data = self.carry + self.transcoder.close()
        self.carry = b""
        rows = self._lines(data.split(b"\n")) if data else []
        if self.record:
            rows.extend(self._records([(self.record_line, "\n".join(self.record))]))
        if self.columns is None:
            raise BadRequest("The CSV is empty: it needs a header row naming its columns.")
        return rows

    def _overlong(self) -> list[Row]:
        """An endless line: its row is rejected naming it, the line dropped as it comes
        (counted against the limit), and the rows after it read."""
        self._count(len(self.carry))
        self.carry = b""
        if self.skipping:
            return []
        self.skipping = True
        line = self.record_line if self.record else self.line + 1
        self.record = []
        if self.columns is None:
            raise BadRequest(
                "The header row is longer than %(limit)s bytes.", values={"limit": LINE_LIMIT}
            )
        self.number += 1
        problem = FieldError(
            f"line {line}", "is longer than %(limit)s bytes: the row is not imported",
            {"limit": LINE_LIMIT},
        )  # fmt: skip
        return [Row(self.number, line, None, {}, errors=[problem])]

    def _count(self, size: int) -> None:
        self.counted += size
        if self.counted + len(self.carry) > self.limit:
            raise TooLarge(self.limit)

    def _lines(self, lines: list[bytes]) -> list[Row]:
        records: list[tuple[int, str]] = []  # (first line, the record's text)
        for raw in lines:
            self.line += 1
            self._count(len(raw) + 1)
            if self.skipping:
                self.skipping = False  # the end of an over-long line
                continue
            text, _ = self.decoder.decode(raw.rstrip(b"\r"))
            if not self.record:
                self.record_line = self.line
                self.quotes = 0
            self.record.append(nfc(text))
            # A quoted cell may hold line breaks: the record ends where the quotes balance.
            self.quotes += text.count('"')
            if self.quotes % 2 == 0:
                records.append((self.record_line, "\n".join(self.record)))
                self.record = []
        return self._records(records)

    def _records(self, records: list[tuple[int, str]]) -> list[Row]:
        if not records:
            return []
        if self.columns is None:
            records = self._preamble(records)
            if not records:
                return []
            self.separator = self.separator_said or sniff(records[0][1])
        rows: list[Row] = []
        texts = [text for _, text in records]
        parsed: list[list[str] | None]
        try:
            parsed = list(csv.reader(texts, delimiter=self.separator))
        except csv.Error:  # one record the csv module refuses (a cell over its limit)
            parsed = [self._cells(text) for text in texts]
        for (line, _text), cells in zip(records, parsed, strict=True):
            if self.columns is None:
                if cells is None:
                    raise BadRequest(
                        "The header row cannot be read as CSV: a cell is longer than %(limit)s "
                        "characters.",
                        values={"limit": CELL_LIMIT},
                    )
                self._header(cells)
                continue
            self.number += 1
            if cells is None:
                problem = FieldError(
                    "", "a cell is longer than %(limit)s characters", {"limit": CELL_LIMIT}
                )
                rows.append(Row(self.number, line, None, {}, errors=[problem]))
            elif any(c.strip() for c in cells):  # not a blank line, as spreadsheets leave
                rows.append(self._row(cells, line))
        return rows

    def _preamble(self, records: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """The records from the header on: Excel's `sep=;` line sets the separator, and
        blank lines and a title row (one cell, naming no column) above the header go."""
        while records:
            text = records[0][1].strip()
            said = _SEP.fullmatch(text)
            if said:
                self.separator_said = said.group(1)
            elif text and self.titles < 3:
                separator = self.separator_said or sniff(text)
                try:
                    cells = next(csv.reader([text], delimiter=separator), [])
                except csv.Error:
                    return records  # the header's own problem, said there
                filled = [c for c in cells if c.strip()]
                known = any(ALIASES.get(header_key(c)) or _numbered(header_key(c)) for c in filled)
                if len(filled) > 1 or known:
                    return records
                self.titles += 1
            elif text:
                return records
            records = records[1:]
        return records

    def _cells(self, text: str) -> list[str] | None:
        """One record's cells, or None when the csv module cannot read it."""
        try:
            return next(csv.reader([text], delimiter=self.separator), [])
        except csv.Error:
            return None

    def _header(self, cells: list[str]) -> None:
        keys = [header_key(cell) for cell in cells]
        strong = {ALIASES.get(key) or _numbered(key) for key in keys if key not in _WEAK}
        self.columns = []
        for cell, key in zip(cells, keys, strict=True):
            column = ALIASES.get(key) or _numbered(key)
            if key in _WEAK and _WEAK[key] in strong:
                column = None
            if column is None and cell.strip():
                self.ignored.append(cell.strip())
            self.columns.append(column or "")
        if not (NAMES | {"uid", "emails"}) & set(self.columns):  # these find a contact alone
            raise BadRequest(
                "The CSV needs a name column (given_name, family_name or display_name, or First "
                "Name, Last Name, Name); its first row has: %(value)s.",
                values={"value": ", ".join(cells)[:200]},
            )

    def _row(self, cells: list[str], line: int) -> Row:
        assert self.columns is not None
        data: dict[str, Any] = {}
        errors: list[FieldError] = []
        dropped: list[str] = []
        label: str | None = None  # the kind a label column gave the value column after it
        for column, raw in zip(self.columns, cells, strict=False):
            value = restore(raw.strip())
            if not column:
                continue
            if column == "phone_label":
                label = label_kind(value)
            elif column.startswith("phones"):
                _, _, kind = column.partition(":")
                data.setdefault("phones", []).extend(_phones(value, kind or label))
                label = None
            elif column == "emails":
                data.setdefault(column, []).extend(v for v in _LIST.split(value) if v)
            elif column == "links":
                links = [web_address(v) for v in _LIST.split(value) if v]
                data.setdefault(column, []).extend(link for link in links if link)
                if None in links:
                    dropped.append("other_links")
            elif column == "networks":
                data["networks"] = [_membership(v) for v in _LIST.split(value) if v]
            elif column.startswith("title"):
                lang = column.partition("_")[2] or UNSAID
                # An empty cell clears its language's title; other languages stay.
                data.setdefault("titles", {})[lang] = value
            elif column == "organisation":
                if _SLUG.match(value):
                    data["organisation"] = value
                elif value:
                    data["organisation_name"] = value
                else:
                    data["organisation"] = None
            elif column == "position":
                # ASCII digits ("²" passes isdigit and fails int); the range is checked later.
                digits = value.removeprefix("-")
                if value and not (digits.isascii() and digits.isdigit() and len(digits) <= 12):
                    errors.append(FieldError("position", "must be a whole number"))
                elif value:
                    data["position"] = int(value)
            elif column == "published":
                if value:
                    data["published"] = value.lower() in {"true", "1", "yes", "jah", "ja", "taip"}
            elif column == "uid":
                data["uid"] = value or None
            elif value or column not in data:
                data[column] = value
        name = (
            data.get("display_name")
            or " ".join(data.get(k) or "" for k in ("given_name", "family_name")).strip()
        )
        return Row(self.number, line, name or None, data, dropped=dropped, errors=errors)


def _numbered(key: str) -> str | None:
    found = _NUMBERED.fullmatch(key)
    return _NUMBERED_AS.get((found.group(1), found.group(2))) if found else None


def _phones(value: str, kind: str | None) -> list[dict[str, str]]:
    phones = []
    for item in _LIST.split(value):
        if not item:
            continue
        head, colon, rest = item.partition(":")
        if colon and head.strip() in KINDS:
            phones.append({"number": rest.strip(), "kind": head.strip()})  # our own `cell:+372…`
        else:
            phones.append({"number": item, **({"kind": kind} if kind else {})})
    return phones


def _membership(value: str) -> dict[str, str]:
    """`lv:coordinator`, or `lv` (a new member; a member already keeps their role)."""
    slug, _, role = value.partition(":")
    return {"network": slug.strip(), **({"role": role.strip()} if role.strip() else {})}
