"""vCards as an independent parser and the wire see them."""

from __future__ import annotations

import re

from vcard.vcard_validator import VCard as StrictVCard

from tests.support.services import Pair


async def contact_ids(services: Pair) -> dict[str, int]:
    """Demo contact ids by family name."""
    listing = await services.directory.get("/v1/networks/for-in/contacts?limit=200")
    return {c["family_name"] or c["display_name"]: c["id"] for c in listing.json["items"]}


def strict(text: str) -> StrictVCard:
    """The independent RFC 2426 parser; its grammar is over octets, so it gets the octets."""
    return StrictVCard(text.encode("utf-8").decode("latin-1"))


def unescape(value: str) -> str:
    """Undo RFC 2426 text escaping."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def strict_values(text: str) -> dict[str, list[str]]:
    """Property values as the independent parser reads them, back in UTF-8."""
    found: dict[str, list[str]] = {}
    for prop in strict(text).properties:
        value = ";".join(",".join(unescape(v) for v in part) for part in prop.values)
        found.setdefault(prop.name, []).append(value.encode("latin-1").decode("utf-8"))
    return found


def check_wire_format(body: bytes) -> None:
    """CRLF only, no byte-order mark, no line over 75 octets, no split UTF-8 character."""
    assert not body.startswith(b"\xef\xbb\xbf")
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line is valid UTF-8 on its own
