"""Reading subscriber CSV as people have it: Excel in any of our four locales, LibreOffice, Google.

The separator is sniffed (`,`, `;` as Excel writes in Baltic locales, or tab); UTF-8 is read
with or without a byte-order mark, and anything else is refused with the encoding named;
header names are recognised in English, Estonian, Latvian and Lithuanian and their common
spellings; rows are numbered as the spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator

from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing.keys import SETTINGS
from shared.addresses import normalize_address
from shared.bodies import read_large
from shared.csvio import restore
from shared.errors import BadRequest

SEPARATORS = ",;\t"
UPLOAD_TYPES = {"text/csv", "text/plain", "application/octet-stream"}
# Header spellings, compared without case, diacritics, spaces, dots, hyphens or underscores.
HEADERS = {
    "email": (
        "email", "mail", "emailaddress", "epost", "epostiaadress", "meiliaadress", "epasts",
        "epastaadrese", "elpastas", "elpastoadresas", "pastas", "adresas", "eposts",
    ),
    "name": (
        "name", "fullname", "nimi", "täisnimi", "vards", "vardsuzvards", "vardas",
        "vardaspavarde", "pilnasvardas",
    ),
    "lang": ("lang", "language", "keel", "valoda", "kalba"),
    "status": ("status", "olek", "staatus", "statuss", "busena"),
}  # fmt: skip


def _key(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header.casefold())
    return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c))


ALIASES = {
    _key(spelling): column for column, spellings in HEADERS.items() for spelling in spellings
}


async def upload(request: web.Request) -> str:
    """The request's CSV file as text: 400 unless sent as CSV, 413 past the import limit."""
    if request.content_type not in UPLOAD_TYPES:
        raise BadRequest("Send the file as text/csv.")
    # Imports may be far larger than other bodies: their own limit (the route is marked
    # `@large_body` and has authenticated the caller).
    return decode(await read_large(request, request.app[SETTINGS].import_max_bytes))


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; BadRequest naming what it is otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadRequest(
            'The file is UTF-16 (Excel\'s "Unicode text"). Save it as "CSV UTF-8" instead.'
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadRequest(
            f"The file is not UTF-8 (byte 0x{data[exc.start]:02X} on line {line}); it looks like "
            "a legacy 8-bit encoding such as Windows-1257 or ISO-8859-13, which Excel's plain "
            '"CSV" uses in Baltic locales. Save it as "CSV UTF-8" instead.'
        ) from exc


def sniff(text: str) -> str:
    """The separator of the header line: the one of `,` `;` tab it holds most of."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def read(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: value}) per row; BadRequest without an e-mail column."""
    reader = csv.reader(io.StringIO(text), delimiter=sniff(text))
    header = next(reader, [])
    columns = [ALIASES.get(_key(h), h.strip().casefold()) for h in header]
    if "email" not in columns:
        raise BadRequest(
            "The CSV needs a header row with an e-mail column (email, e-post, e-pasts or "
            f"el. paštas); its first row has: {', '.join(h.strip() for h in header)[:200]}."
        )
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line, as spreadsheets leave at the end
        yield (
            number,
            {column: restore(cell.strip()) for column, cell in zip(columns, cells, strict=False)},
        )


def address(number: int, row: dict[str, str], seen: set[str]) -> str | dict[str, object]:
    """The row's e-mail address, normalised, or the rejection to report: invalid, or twice.

    `seen` holds the addresses (lower-cased) of the file's earlier rows; this one is added.
    """
    try:
        found = normalize_address(row.get("email", ""))
    except EmailNotValidError as exc:
        return {"row": number, "field": "email", "message": str(exc)}
    if found.lower() in seen:
        return {"row": number, "field": "email", "message": "appears twice in this file"}
    seen.add(found.lower())
    return found
