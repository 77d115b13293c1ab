"""Which format a caller wants, and how a download is named."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from aiohttp import web

from shared.errors import FieldError, ValidationFailed
from shared.i18n import LANGUAGES

FORMATS = {"3.0": "3.0", "4.0": "4.0", "jcard": "jcard"}
CONTENT_TYPES = {
    "3.0": "text/vcard; charset=utf-8",
    "4.0": "text/vcard; charset=utf-8",
    "jcard": "application/vcard+json",
}


def wanted_format(request: web.Request) -> str:
    """`?format=` first, then the Accept header; vCard 3.0 when nothing is said."""
    chosen = request.query.get("format")
    if chosen:
        if chosen not in FORMATS:
            raise ValidationFailed([FieldError("format", "must be 3.0, 4.0 or jcard")])
        return FORMATS[chosen]
    ranges = []
    for position, part in enumerate(request.headers.get("Accept", "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        values = dict(p.split("=", 1) for p in params if "=" in p)
        try:
            quality = float(values.get("q", "1"))
        except ValueError:
            quality = 0.0
        ranges.append((-quality, position, media.lower(), values.get("version", "").strip('"')))
    for _, _, media, version in sorted(ranges):
        if media == "application/vcard+json":
            return "jcard"
        if media == "text/vcard":
            return "4.0" if version == "4.0" else "3.0"
    return "3.0"


def wanted_lang(request: web.Request) -> str:
    """The `lang` parameter; English when absent."""
    lang = request.query.get("lang") or "en"
    if lang not in LANGUAGES:
        raise ValidationFailed(
            [FieldError("lang", "must be one of %(choices)s", {"choices": ", ".join(LANGUAGES)})]
        )
    return lang


def ascii_name(name: str) -> str:
    """A plain-ASCII file name for clients that ignore `filename*`."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", folded).strip(" ._") or "contact"
    return cleaned[:120]


def safe_name(name: str) -> str:
    """The name as a file name: no path separators or control characters."""
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", name).strip(" .") or "contact"
    return cleaned[:120]


def disposition(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and an RFC 6266 `filename*`."""
    stem, dot, ext = filename.rpartition(".")
    fallback = ascii_name(stem) + dot + ext if dot else ascii_name(filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe_name(filename))}"
