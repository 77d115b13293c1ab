"""Reading subscriber CSV as people have it: Excel in any of our four locales, LibreOffice, Google.

The separator is Excel's `sep=` first line when there is one, else the one of `,`, `;` (as
Excel writes in Baltic locales) or tab under which the header row has an e-mail column;
UTF-8 is read with or without a byte-order mark, and anything else is refused with the
encoding named (UTF-16 and UTF-32 with or without a mark, else a legacy 8-bit one); header
names are recognised in English, Estonian, Latvian and Lithuanian and their common
spellings, given and family names in two columns are joined; rows are numbered as the
spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
from collections.abc import Iterator
from typing import TypedDict

from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing.keys import SETTINGS
from shared.addresses import address_error, normalize_address
from shared.bodies import read_large
from shared.csvio import (
    EMAIL_HEADERS,
    FAMILY_NAME_HEADERS,
    GIVEN_NAME_HEADERS,
    SEPARATORS,
    csv_fault,
    header_key,
    restore,
    wide_encoding,
)
from shared.csvio import sniff as most_used
from shared.errors import BadRequest, FieldError
from shared.i18n import LANGUAGES
from shared.validate import person_name

TITLE_ROWS = 5  # rows a spreadsheet may have above its header (a title, a date, a blank)
UPLOAD_TYPES = {"text/csv", "text/plain", "application/octet-stream"}
# Header spellings, compared without case, diacritics, spaces, dots, hyphens or underscores.
HEADERS = {
    # A subscriber list's one address column may just say "Paštas" or "Adresas" (which in a
    # contact list is where someone lives).
    "email": (*EMAIL_HEADERS, "pastas", "adresas"),
    "name": (
        "name", "fullname", "nimi", "täisnimi", "eesjaperekonnanimi", "vards", "vardsuzvards",
        "vardsunuzvards", "pilnsvards", "vardas", "vardaspavarde", "vardasirpavarde",
        "pilnasvardas",
    ),
    # Two columns, joined into `name` ("Vārds" beside "Uzvārds" is the given name).
    "given": GIVEN_NAME_HEADERS,
    "family": FAMILY_NAME_HEADERS,
    "lang": ("lang", "language", "keel", "valoda", "kalba"),
    "status": ("status", "olek", "staatus", "statuss", "busena"),
}  # fmt: skip


# Language cells as people write them: the code in any case or as a locale (`ET`, `lv-LV`),
# ISO 639-2, or the language's name in English, Estonian, Latvian or Lithuanian.
LANGUAGE_NAMES = {
    "en": ("eng", "english", "inglise", "anglu"),
    "et": ("est", "estonian", "eesti", "igaunu", "estu"),
    "lv": ("lav", "latvian", "lati", "latviesu", "latviu"),
    "lt": ("lit", "lithuanian", "leedu", "lietuviesu", "lietuviu"),
}


ALIASES = {
    header_key(spelling): column for column, spellings in HEADERS.items() for spelling in spellings
}
LANGUAGE_ALIASES = {name: code for code, names in LANGUAGE_NAMES.items() for name in names}


def language(cell: str) -> str:
    """The language code (`et`) a cell names, or the cell as it is when it names none."""
    primary = cell.strip().replace("_", "-").partition("-")[0].casefold()
    if primary in LANGUAGE_NAMES:
        return primary
    return LANGUAGE_ALIASES.get(header_key(cell), cell)


async def upload(request: web.Request) -> str:
    """The request's CSV file as text: 400 unless sent as CSV, 413 past the import limit."""
    if request.content_type not in UPLOAD_TYPES:
        raise BadRequest("Send the file as text/csv.")
    # Imports may be far larger than other bodies: their own limit (the route is marked
    # `@large_body` and has authenticated the caller).
    return decode(await read_large(request, request.app[SETTINGS].import_max_bytes))


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; BadRequest naming what it is otherwise."""
    wide = wide_encoding(data)
    if wide:
        raise BadRequest(
            'The file is %(wide)s, not UTF-8 (Excel\'s "Unicode text" is UTF-16). Save it as '
            '"CSV UTF-8" instead.',
            values={"wide": wide[1]},
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadRequest(
            "The file is not UTF-8 (byte 0x%(data)02X on line %(line)s); it looks like a legacy "
            '8-bit encoding such as Windows-1257 or ISO-8859-13, which Excel\'s plain "CSV" uses '
            'in Baltic locales. Save it as "CSV UTF-8" instead.',
            values={"data": data[exc.start], "line": line},
        ) from exc


def sniff(text: str) -> tuple[str, int, str]:
    """(separator, rows above the header, the text after Excel's `sep=` line if any).

    Excel's `sep=;` first line names the separator; else it is the one of `,` `;` tab under
    which a row has an e-mail column (a header cell may hold another, quoted or not: "Vārds,
    uzvārds;E-pasts"), else the one the first line holds most of. The header is the first
    row with an e-mail column among the first few (a title, a date or a blank row may
    come first).
    """
    first, _, rest = text.partition("\n")
    hint = first.rstrip("\r")
    named = hint[4] if hint.lower().startswith("sep=") and len(hint) == 5 else ""
    if named:
        text = rest
    found = []
    for separator in named or SEPARATORS:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        with contextlib.suppress(csv.Error):  # read with another separator, it may not parse
            for above, row in enumerate(itertools.islice(rows, TITLE_ROWS + 1)):
                if "email" in _columns(row):
                    found.append((above, -len(row), separator))
                    break
    if found:
        above, _, separator = min(found)  # the highest header, then the most columns
        return separator, above, text
    return named or most_used(first), 0, text


def _table(text: str) -> tuple[list[str], Iterator[list[str]], int]:
    """The header row, a reader of the rows below it, and the header's row number."""
    separator, above, text = sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        for _ in range(above):
            next(reader, None)
        return next(reader, []), reader, above + 1
    except csv.Error as exc:
        raise BadRequest(
            "The header row cannot be read as CSV: %(exc)s.", values={"exc": csv_fault(exc)}
        ) from exc


def _columns(header: list[str]) -> list[str]:
    """Our column names for a header row; unknown ones stay as they are, lower-cased."""
    columns = [ALIASES.get(header_key(h), h.strip().casefold()) for h in header]
    if "family" in columns and "given" not in columns and "name" in columns:
        # "Vārds;Uzvārds", "Vardas;Pavardė": beside a family name, a name is the given one.
        columns[columns.index("name")] = "given"
    return columns


def unread_columns(text: str) -> list[str]:
    """The header cells of the columns `read` gives no meaning (a misspelt status, say)."""
    header, _, _ = _table(text)
    return [
        cell.strip()
        for cell, column in zip(header, _columns(header), strict=True)
        if column not in HEADERS and cell.strip()
    ]


def read(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: value}) per row; BadRequest without an e-mail column."""
    header, reader, at = _table(text)
    columns = _columns(header)
    if "email" not in columns:
        raise BadRequest(
            "The CSV needs a header row with an e-mail column (email, e-post, e-pasts or el. "
            "paštas); its first row has: %(value)s.",
            values={"value": ", ".join(h.strip() for h in header)[:200]},
        )
    number = at
    try:
        for cells in reader:
            number += 1
            if not any(c.strip() for c in cells):
                continue  # a blank line, as spreadsheets leave at the end
            row = {c: restore(cell.strip()) for c, cell in zip(columns, cells, strict=False)}
            given, family = row.pop("given", ""), row.pop("family", "")
            if not row.get("name") and (given or family):
                row["name"] = " ".join(part for part in (given, family) if part)
            yield number, row
    except csv.Error as exc:
        raise BadRequest(
            "Row %(number)s cannot be read as CSV: %(exc)s.",
            values={"number": number + 1, "exc": csv_fault(exc)},
        ) from exc


class Rejection(TypedDict):
    """A file row that was not taken, and why: `{"row", "field", "message"}` in reports."""

    row: int
    field: str
    message: str


def rejection(number: int, error: FieldError) -> Rejection:
    """Row `number`'s rejection for `error`."""
    said = error.as_json()
    return {"row": number, "field": said["field"], "message": said["message"]}


def address(number: int, row: dict[str, str], seen: set[str]) -> str | Rejection:
    """The row's e-mail address, normalised, or the rejection to report: invalid, or twice.

    `seen` holds the addresses (lower-cased) of the file's earlier rows; this one is added.
    """
    try:
        found = normalize_address(row.get("email", ""))
    except EmailNotValidError as exc:
        return rejection(number, address_error("email", exc))
    if found.lower() in seen:
        return rejection(number, FieldError("email", "appears twice in this file"))
    seen.add(found.lower())
    return found


# A text sent in the query string: 500 characters stay within a URL's 8 KiB even when every
# one is four UTF-8 bytes, percent-encoded.
QUERY_TEXT_MAX = 500
# An export's columns; an import reads the first four (the dates are the list's own).
COLUMNS = ["email", "name", "lang", "status", "created_at", "confirmed_at"]


# What a file's status column may say, and what it becomes; `subscribed` is Excel-friendly.
FILE_STATUSES = {
    "confirmed": "confirmed",
    "subscribed": "confirmed",
    "pending": "pending",
    "unsubscribed": "unsubscribed",
    "bounced": "bounced",
    "complained": "complained",
    "blocked": "blocked",
}
Row = tuple[int, str, str, str, str]  # spreadsheet row, address, name, lang, status


def parse_rows(text: str, default_lang: str) -> tuple[list[Row], list[Rejection]]:
    """Valid (row, email, name, lang, status) and the rejected rows with their reasons.

    A row without a status is `confirmed` on the coordinator's stated consent.
    """
    good: list[Row] = []
    bad: list[Rejection] = []
    seen: set[str] = set()
    for number, row in read(text):
        lang = language(row.get("lang") or default_lang)
        if lang not in LANGUAGES:
            choices = {"choices": ", ".join(LANGUAGES)}
            bad.append(rejection(number, FieldError("lang", "must be one of %(choices)s", choices)))
            continue
        status = FILE_STATUSES.get((row.get("status") or "confirmed").casefold())
        if status is None:
            # The file's own words (a spreadsheet's column), not names: listed as they are.
            choices = {"choices": ", ".join(FILE_STATUSES)}
            bad.append(
                rejection(number, FieldError("status", "must be one of %(choices)s", choices))
            )
            continue
        # The one name rule: a name the API would refuse is this row's rejection, not the file's
        # (checked before the address, which a later row may not repeat).
        name, refused = person_name(row.get("name", ""))
        if refused is not None:
            bad.append(rejection(number, refused))
            continue
        found = address(number, row, seen)
        if not isinstance(found, str):
            bad.append(found)
            continue
        good.append((number, found, name, lang, status))
    return good, bad
