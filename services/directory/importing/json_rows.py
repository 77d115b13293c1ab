"""Contacts, networks and organisations from JSON: `kontakt export`'s document, or a list."""

from __future__ import annotations

import json

from services.directory.importing.rows import Row, TooLarge
from shared.errors import BadRequest, FieldError, parse_json
from shared.payloads import JSON

# What the API shows but does not take: dropped, so an export imports as it is.
READ_ONLY = {"id", "title", "has_email", "created_at", "updated_at", "revision"}
KINDS = (("networks", "network"), ("organisations", "organisation"), ("contacts", "contact"))


class JsonReader:
    """Feed a JSON file's bytes; all rows come at the end (JSON is read whole, within the limit)."""

    def __init__(self, limit: int) -> None:
        self.notes: list[FieldError] = []
        self.limit = limit
        self.data = bytearray()

    def feed(self, chunk: bytes) -> list[Row]:
        """Nothing yet: the document is read whole."""
        self.data += chunk
        if len(self.data) > self.limit:
            raise TooLarge(self.limit)
        return []

    def close(self) -> list[Row]:
        """Networks first, then organisations, then contacts, as a document lists them."""
        doc = parse_json(bytes(self.data))
        if isinstance(doc, list):
            doc = {"contacts": doc}
        if not isinstance(doc, dict):
            raise BadRequest(
                "Send a list of contacts, or an object with networks, organisations, contacts."
            )
        lines = _item_lines(bytes(self.data))
        rows: list[Row] = []
        for key, kind in KINDS:
            items = doc.get(key) or []
            if not isinstance(items, list):
                raise BadRequest("`%(key)s` must be a list.", values={"key": key})
            found = lines.get(key, [])
            for index, item in enumerate(items, start=1):
                row = _row(len(rows) + 1, kind, index, item)
                row.line = found[index - 1] if index <= len(found) else 0
                rows.append(row)
        return rows


_SPACE = " \t\r\n"


def _item_lines(raw: bytes) -> dict[str, list[int]]:
    """The line each item of the document's lists starts on, by list (`contacts` for a bare
    list); what cannot be placed (the document was already read: a shape it does not have)
    is left out, its items on line 0."""
    text = raw.decode("utf-8-sig", "replace")
    decoder = json.JSONDecoder()
    found: dict[str, list[int]] = {}

    def items(at: int, key: str) -> int:
        # `at` is at a list's "[": each element's start, skipped by decoding it.
        at += 1
        starts: list[int] = []
        while True:
            while at < len(text) and text[at] in _SPACE + ",":
                at += 1
            if at >= len(text) or text[at] == "]":
                break
            starts.append(at)
            _, at = decoder.raw_decode(text, at)
        found[key] = _lines(text, starts)
        return at + 1

    try:
        at = len(text) - len(text.lstrip(_SPACE))
        if text[at : at + 1] == "[":
            items(at, "contacts")
        elif text[at : at + 1] == "{":
            at += 1
            while True:
                while at < len(text) and text[at] in _SPACE + ",":
                    at += 1
                if at >= len(text) or text[at] == "}":
                    break
                key, at = decoder.raw_decode(text, at)
                at = text.index(":", at) + 1
                while text[at] in _SPACE:
                    at += 1
                if isinstance(key, str) and text[at] == "[":
                    at = items(at, key)
                else:
                    _, at = decoder.raw_decode(text, at)
    except (ValueError, IndexError, RecursionError):
        pass  # parse_json said what is wrong, or it is a shape `close` refuses
    return found


def _lines(text: str, starts: list[int]) -> list[int]:
    """1-based line numbers of these ascending offsets, counted in one pass."""
    lines, line, last = [], 1, 0
    for start in starts:
        line += text.count("\n", last, start)
        last = start
        lines.append(line)
    return lines


def _row(number: int, kind: str, index: int, item: JSON) -> Row:
    if not isinstance(item, dict):
        problem = FieldError(
            "", "%(kind)s %(index)s is not an object", {"kind": kind, "index": index}
        )
        return Row(number, 0, None, {}, kind=kind, errors=[problem])
    data = {k: v for k, v in item.items() if k not in READ_ONLY}
    organisation = data.get("organisation")
    if kind == "contact" and isinstance(organisation, dict):
        data["organisation"] = organisation.get("slug")
    names = [data.get(k) for k in ("given_name", "family_name")]
    full = " ".join(n for n in names if isinstance(n, str) and n)
    name = data.get("display_name") or full or data.get("slug") or _first_name(data.get("names"))
    return Row(number, 0, name if isinstance(name, str) else None, data, kind=kind)


def _first_name(names: object) -> str | None:
    """A network's or organisation's name in any language (`names`), for the report."""
    if isinstance(names, dict):
        return next((v for v in names.values() if isinstance(v, str) and v), None)
    return None
