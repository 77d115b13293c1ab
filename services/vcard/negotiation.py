"""Which format a caller wants, and how a download is named."""

from __future__ import annotations

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
