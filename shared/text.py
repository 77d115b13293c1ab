"""Text entering any service, normalised once at the edge to Unicode NFC (UAX #15).

A name typed on a Mac or pasted from a PDF may arrive decomposed ("e" + U+0307 for "ė");
stored as such it looks the same but matches no search and counts twice against length
limits. Every way in (JSON and form bodies, query strings, CSV and vCard files) passes
through here, so everything behind the edge sees one form.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar

from aiohttp import web
from multidict import MultiDict, MultiDictProxy, MultiMapping

from shared.payloads import JSON

# A form field: text, or a file of a multipart body.
Field = str | bytes | bytearray | web.FileField
FORM_KEY = web.RequestKey("kontakt.nfc_form", MultiDictProxy[Field])
_V = TypeVar("_V", str, Field)
_SURROGATE = re.compile("[\ud800-\udfff]")


def nfc(value: str) -> str:
    """`value` in NFC; ASCII and already-composed text come back as they are, cheaply."""
    if value.isascii() or unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)


def nfc_json(value: JSON) -> JSON:
    """Every string in a JSON value (keys too) in NFC."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_json(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc_json(v) for k, v in value.items()}
    return value


def lone_surrogates(value: JSON) -> list[str]:
    """Where a JSON value holds a lone UTF-16 surrogate (`"\\ud800"`): paths like `names.en`.

    JSON may escape one (RFC 8259 section 8.2 leaves it undefined); it is no character,
    so no UTF-8 text, database or mail can carry it. A key with one is named by its parent.
    """
    found: list[str] = []
    stack: list[tuple[JSON, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                found.append(path or "(body)")
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))
        elif isinstance(item, dict):
            for k, v in item.items():
                if not k.isascii() and _SURROGATE.search(k):
                    found.append(path or "(body)")
                    continue
                stack.append((v, f"{path}.{k}" if path else k))
    return sorted(found)


def nfc_multidict(items: MultiMapping[_V]) -> MultiDictProxy[_V]:
    """A form or query with every text value in NFC (file fields untouched)."""
    unchanged = all(
        nfc(k) == k and (not isinstance(v, str) or nfc(v) == v) for k, v in items.items()
    )
    if unchanged and isinstance(items, MultiDictProxy):
        return items
    return MultiDictProxy(
        MultiDict((nfc(k), nfc(v) if isinstance(v, str) else v) for k, v in items.items())
    )


def nfc_request(request: web.Request) -> web.Request:
    """The request with its query string in NFC (a clone only when it needs one)."""
    raw = request.query_string
    if raw.isascii() or unicodedata.is_normalized("NFC", raw):
        return request
    query = nfc_multidict(request.query)
    return request.clone(rel_url=request.rel_url.with_query(query))


async def form_fields(request: web.Request) -> MultiDictProxy[Field]:
    """The request's form fields in NFC, read once (url-encoded or multipart)."""
    if FORM_KEY not in request:
        request[FORM_KEY] = nfc_multidict(await request.post())
    return request[FORM_KEY]
