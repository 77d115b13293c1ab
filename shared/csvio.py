"""CSV for spreadsheets: the one writer every export uses, safe to open in Excel and LibreOffice.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and tab or CR
can hide such a start), so a name like `=HYPERLINK(...)` typed into a public form would run
on the coordinator's machine. OWASP's rule (the "CSV Injection" page): prefix such a cell
with an apostrophe, and quote every cell so that a spreadsheet splitting at another
separator (`;` in Baltic locales) never sees a cell start inside one. The raw value stays
available through the JSON APIs; `restore` undoes the prefix when our own export is read
back, so an export imported again changes nothing.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import AsyncIterable, Iterable, Sequence

from aiohttp import web

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
    response = web.StreamResponse(
        headers={
            "Content-Type": CONTENT_TYPE,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
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
