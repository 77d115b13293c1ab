"""CSV for spreadsheets: the one writer every export uses, safe to open in Excel and LibreOffice;
and what every CSV reader shares: the file's width (UTF-16 and UTF-32 as Excel's "Unicode
text" saves them, with or without a byte-order mark), separators, and header spellings.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and tab or CR
can hide such a start), so a name like `=HYPERLINK(...)` typed into a public form would run
on the coordinator's machine. OWASP's rule (the "CSV Injection" page): prefix such a cell
with an apostrophe, and quote every cell so that a spreadsheet splitting at another
separator (`;` in Baltic locales) never sees a cell start inside one. The raw value stays
available through the JSON APIs; `restore` undoes the prefix when our own export is read
back, so an export imported again changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import AsyncIterable, Iterable, Sequence

from aiohttp import web

from shared.i18n import N_, Word
from shared.web import start_download

# Separators spreadsheets write: `,`; `;` as Excel does where `,` is the decimal mark (the
# Baltic locales); tab for "Unicode text".
SEPARATORS = ",;\t"
# What makes a spreadsheet read a cell as a formula (OWASP), and our own escape character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
CONTENT_TYPE = "text/csv; charset=utf-8"
# Rows are written to the client in pieces of about this many bytes.
FLUSH_BYTES = 64 * 1024

Cell = str | int | float | bool | None

# The e-mail address column as people head it in English, Estonian, Latvian and Lithuanian
# (compared as `header_key` leaves them: "E-mail", "E-posti aadress", "E-pasta adrese",
# "El. pašto adresas").
EMAIL_HEADERS = (
    "email", "mail", "emailaddress", "epost", "epostiaadress", "meiliaadress", "meil", "eposts",
    "epasts", "epastaadrese", "elpastas", "elpastoadresas", "epastas", "epastoadresas",
)  # fmt: skip
# A person's given and family names in two columns ("First Name", "Eesnimi", "Uzvārds").
GIVEN_NAME_HEADERS = ("firstname", "givenname", "forename", "eesnimi")
FAMILY_NAME_HEADERS = (
    "lastname", "surname", "familyname", "perekonnanimi", "perenimi", "uzvards", "pavarde",
)  # fmt: skip


def neutralise(value: Cell) -> str:
    """The cell's text; one a spreadsheet would run (or one starting with `'`) gets a `'` first.

    Numbers we write ourselves pass unchanged: `-3` is a number, not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value.startswith(FORMULA_STARTS) or value.startswith(ESCAPE):
        return ESCAPE + value
    return value


def restore(cell: str) -> str:
    """The value `neutralise` was given: a `'` before a formula start or a `'` is dropped."""
    if cell.startswith(ESCAPE) and cell[1:].startswith((*FORMULA_STARTS, ESCAPE)):
        return cell[1:]
    return cell


def sniff(header: str) -> str:
    """The separator of a header line: the one of `,` `;` tab it holds most of."""
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def header_key(header: str) -> str:
    """A header as compared: no case, diacritics, spaces, dots, hyphens or underscores."""
    plain = unicodedata.normalize("NFKD", header.casefold())
    return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c))


def wide_encoding(head: bytes) -> tuple[str, str] | None:
    """(Python codec, name to show) when a file's first bytes are UTF-16 or UTF-32, else None.

    A byte-order mark says so; without one, the zero bytes of ASCII letters give it away
    (text has no NUL): where they fall within each group of four bytes tells the width and
    the byte order.
    """
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", "UTF-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    head = head[:400]
    if not head or head.count(0) * 4 < len(head):
        return None
    at = [head[k::4].count(0) * 4 > len(head) // 2 for k in range(4)]
    if at == [False, True, True, True]:
        return "utf-32-le", "UTF-32LE (without a byte-order mark)"
    if at == [True, True, True, False]:
        return "utf-32-be", "UTF-32BE (without a byte-order mark)"
    if head[1::2].count(0) > head[0::2].count(0):
        return "utf-16-le", "UTF-16LE (without a byte-order mark)"
    return "utf-16-be", "UTF-16BE (without a byte-order mark)"


class Transcoder:
    """A file's bytes as they come: UTF-16 and UTF-32 (`wide_encoding`) turned into UTF-8, a
    UTF-8 byte-order mark dropped, anything else passed on for its reader to decode."""

    # Enough of the file's start to tell its width.
    HEAD = 4

    def __init__(self) -> None:
        self.head: bytes | None = b""
        self.text: codecs.IncrementalDecoder | None = None

    def feed(self, chunk: bytes) -> bytes:
        """The next piece, as UTF-8 or as the bytes it was."""
        if self.head is not None:
            self.head += chunk
            if len(self.head) < self.HEAD:
                return b""
            chunk = self._start()
        if self.text is not None:
            return self.text.decode(chunk, final=False).encode("utf-8")
        return chunk

    def close(self) -> bytes:
        """What is still held: a short file's start, or the end a UTF-16 decoder keeps."""
        rest = b""
        if self.head is not None:
            rest = self._start()
            if self.text is None:
                return rest
        return self.text.decode(rest, final=True).encode("utf-8") if self.text else b""

    def _start(self) -> bytes:
        head, self.head = self.head or b"", None
        found = wide_encoding(head)
        if found is not None:
            # A cut or damaged file (an odd byte count, a lone surrogate) loses only the
            # characters that are broken (U+FFFD), never the rest of the file.
            self.text = codecs.getincrementaldecoder(found[0])(errors="replace")
        elif head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8) :]
        return head


class CsvWriter:
    """Rows to CSV text one at a time (RFC 4180: CRLF, every cell quoted), keeping no rows."""

    def __init__(
        self, columns: Sequence[str], *, delimiter: str = ",", byte_order_mark: bool = False
    ) -> None:
        self.columns = list(columns)
        self.byte_order_mark = byte_order_mark
        self._buffer = io.StringIO()
        self._writer = csv.writer(
            self._buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n"
        )

    def header(self) -> str:
        """The header row (after a UTF-8 byte-order mark when asked, for Excel)."""
        return ("\ufeff" if self.byte_order_mark else "") + self.row(self.columns)

    def row(self, cells: Sequence[Cell]) -> str:
        """One row, every cell neutralised."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([neutralise(c) for c in cells])
        return self._buffer.getvalue()

    def text(self, rows: Iterable[Sequence[Cell]]) -> str:
        """A whole file (for the command line; HTTP answers stream with `stream_csv`)."""
        return self.header() + "".join(self.row(r) for r in rows)


async def stream_csv(
    request: web.Request,
    writer: CsvWriter,
    rows: AsyncIterable[Sequence[Cell]],
    filename: str,
) -> web.StreamResponse:
    """Stream `rows` as a CSV download, in pieces, never holding the whole file."""
    response = await start_download(request, CONTENT_TYPE, filename)
    pending = [writer.header()]
    size = 0
    async for cells in rows:
        line = writer.row(cells)
        pending.append(line)
        size += len(line)
        if size >= FLUSH_BYTES:
            await response.write("".join(pending).encode("utf-8"))
            pending, size = [], 0
    await response.write("".join(pending).encode("utf-8"))
    await response.write_eof()
    return response


# What the csv module's refusals (English) mean, said in the reader's language when they fill
# a message ("Row %(number)s cannot be read as CSV: %(exc)s."): by how each begins.
CSV_FAULTS = {
    "field larger than field limit": N_(
        "a cell is longer than the limit, perhaps a quote left open"
    ),
    "unexpected end of data": N_("the file ends inside a quoted cell"),
    "line contains NUL": N_("a line holds a NUL character"),
    "new-line character seen in unquoted field": N_("a line break is inside a cell without quotes"),
}


def csv_fault(exc: csv.Error) -> str:
    """The csv module's refusal as a person reads it: a `Word`, translated with its message."""
    said = str(exc)
    found = next((term for start, term in CSV_FAULTS.items() if said.startswith(start)), None)
    return Word(found) if found is not None else said
