"""QR codes of compact vCards: drawn off the event loop, and each drawing kept (bounded).

segno draws in pure Python (tens of milliseconds a code): on the event loop, a few clients
fetching QR codes held up every other request. The drawing runs in a few threads of its own,
and is kept by its ETag (the card text's digest and the image kind), so a card's repeated
QR is drawn once; clients asking for the same code at once share one drawing.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import segno

from shared.conditional import VersionedCache

Kind = Literal["png", "svg"]
CONTENT_TYPES: dict[Kind, str] = {"png": "image/png", "svg": "image/svg+xml"}
QR_THREADS = 2
QR_EXECUTOR = ThreadPoolExecutor(max_workers=QR_THREADS, thread_name_prefix="kontakt-qr")
KEPT = 256  # drawings kept (a few kB each)


@dataclass(frozen=True)
class QrImage:
    """One drawn code: its bytes, media type and ETag."""

    body: bytes
    content_type: str
    etag: str


def etag_of(text: str, kind: Kind) -> str:
    """The QR image's ETag: what it holds and how it is drawn."""
    digest = hashlib.blake2b(f"{kind}\n{text}".encode(), digest_size=12).hexdigest()
    return f'"qr.{kind}.{digest}"'


def draw(text: str, kind: Kind) -> bytes:
    """The code as PNG or SVG bytes (blocking: call it in `QR_EXECUTOR`)."""
    # Always UTF-8 with an ECI marker (ISO/IEC 18004 §7.4.2): left to itself, segno writes
    # Latin-1 when the text fits, which phones that assume UTF-8 misread (Estonian õ, ä).
    code = segno.make(text, error="m", micro=False, encoding="utf-8", eci=True)
    buffer = io.BytesIO()
    if kind == "png":
        code.save(buffer, kind="png", scale=6, border=4)
    else:
        code.save(buffer, kind="svg", scale=4, border=4, xmldecl=False)
    return buffer.getvalue()


class QrCodes:
    """Drawings by ETag, least recently used dropped beyond `size`."""

    def __init__(self, size: int = KEPT) -> None:
        self._drawings: VersionedCache[asyncio.Future[bytes]] = VersionedCache(size, "qr")

    async def image(self, text: str, kind: Kind) -> QrImage:
        """The code holding `text`, drawn in a QR thread unless already drawn (or drawing)."""
        etag = etag_of(text, kind)
        drawing = self._drawings.get(etag)
        if drawing is None:
            drawing = asyncio.get_running_loop().run_in_executor(QR_EXECUTOR, draw, text, kind)
            self._drawings.put(etag, drawing)
        try:
            body = await asyncio.shield(drawing)
        except Exception:
            self._drawings.drop(etag)  # a failed drawing is not kept
            raise
        return QrImage(body, CONTENT_TYPES[kind], etag)
