"""An import from start to end: a reader for the format, the engine, the report."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from services.directory.importing import collector
from services.directory.importing.csv_rows import CsvReader
from services.directory.importing.engine import Engine, Importer, Options
from services.directory.importing.json_rows import JsonReader
from services.directory.importing.rows import Report, Row
from services.directory.importing.vcard import VcardReader
from shared.conn import Conn
from shared.errors import FieldError
from shared.queries import Queries

FORMATS = ("vcard", "csv", "json")
Progress = Callable[[int], Awaitable[None]]


class Reader(Protocol):
    """What every format's reader does: bytes in, rows out, remarks about the whole file."""

    @property
    def notes(self) -> list[FieldError]:
        """File-level remarks for the report (messages, said in the reader's language)."""
        ...

    def feed(self, chunk: bytes) -> list[Row]:
        """Rows completed by this piece of the file."""
        ...

    def close(self) -> list[Row]:
        """The rows left at the end of the file."""
        ...


def reader_for(fmt: str, limit: int, http_charset: str | None = None) -> Reader:
    """The reader of a format (`vcard`, `csv`, `json`); `limit` bytes, photos not counted."""
    if fmt == "vcard":
        return VcardReader(limit, http_charset)
    if fmt == "csv":
        return CsvReader(limit, http_charset)
    if fmt == "json":
        return JsonReader(limit)
    raise ValueError(f"unknown format {fmt!r}")


def sniff_format(head: bytes) -> str:
    """A file's format from its first bytes, for uploads that do not say (octet-stream)."""
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").replace(b"\x00", b"")
    if text[:11].upper() == b"BEGIN:VCARD":
        return "vcard"
    return "json" if text[:1] in (b"{", b"[") else "csv"


async def run_import(
    conn: Conn,
    q: Queries,
    reader: Reader,
    chunks: AsyncIterable[bytes],
    options: Options,
    importer: Importer,
    progress: Progress | None = None,
    workers: int = 0,
) -> Report:
    """Read every piece, import every row; `progress` hears the bytes read after each piece.

    `workers` processes check rows while this one reads and writes (see `checking`).
    """
    engine = Engine(conn, q, options, importer, workers)
    with collector.relaxed():
        await engine.start()
        done = 0
        try:
            async for chunk in chunks:
                await engine.add(reader.feed(chunk))
                done += len(chunk)
                if progress is not None:
                    await progress(done)
            await engine.add(reader.close())
            return await engine.finish(reader.notes)
        except BaseException:
            await engine.abort()
            raise


async def pieces(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    """A body already in memory, in the pieces a stream would bring."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def import_document(conn: Conn, q: Queries, doc: dict[str, Any]) -> Report:
    """A whole directory as JSON (the demo, a `kontakt export`), imported by an operator."""
    reader = JsonReader(2**62)
    everything = Importer(is_admin=True, may_edit=lambda _: True)
    body = json.dumps(doc, ensure_ascii=False).encode()
    return await run_import(conn, q, reader, pieces(body), Options(), everything)
