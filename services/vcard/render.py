"""vCard 3.0 and 4.0 (RFC 2426, RFC 6350) and jCard (RFC 7095), written exactly.

vobject cannot write 4.0 and folds by characters rather than octets, so the writing is ours:
CRLF line ends, no byte-order mark, escaping per RFC, folding at 75 octets without ever
splitting a UTF-8 character.
"""

from __future__ import annotations

import json

from services.vcard.cards import PRODID, Card
from shared.payloads import JSON

CRLF = "\r\n"
LIMIT = 75  # octets per line, CRLF not counted

TYPES_30 = {
    "work": "WORK,VOICE",
    "cell": "CELL,VOICE",
    "voice": "VOICE",
    "fax": "WORK,FAX",
    "home": "HOME,VOICE",
}
TYPES_40 = {
    "work": "work,voice",
    "cell": "cell,voice",
    "voice": "voice",
    "fax": "work,fax",
    "home": "home,voice",
}


def escape(text: str) -> str:
    """A TEXT value: backslash, comma, semicolon and line breaks escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line at 75 octets, never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= LIMIT:
        return line + CRLF
    parts: list[str] = []
    current: list[str] = []
    size = 0
    budget = LIMIT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > budget:
            parts.append("".join(current))
            current, size, budget = [], 0, LIMIT - 1  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return (CRLF + " ").join(parts) + CRLF


def _line(name: str, value: str, params: str = "") -> str:
    return fold(f"{name}{params}:{value}")


def vcard(card: Card, version: str = "3.0", *, outlook: bool = False, compact: bool = False) -> str:
    """One card as text. `outlook` adds CHARSET=UTF-8 (outside the RFCs, read by Outlook)."""
    charset = ";CHARSET=UTF-8" if outlook and version == "3.0" else ""
    lines = ["BEGIN:VCARD" + CRLF, f"VERSION:{version}" + CRLF]
    if not compact:
        lines.append(_line("PRODID", PRODID))
        lines.append(_line("UID", f"urn:uuid:{card.uid}"))
    if version == "4.0":
        lines.append(_line("KIND", "individual" if card.given or card.family else "org"))
    lines.append(_line("N", f"{escape(card.family)};{escape(card.given)};;;", charset))
    lines.append(_line("FN", escape(card.display), charset))
    if card.organisation:
        lines.append(_line("ORG", escape(card.organisation), charset))
    if version == "4.0" and len(card.titles) > 1 and not compact:
        # Each language's title, as alternatives of one (RFC 6350 5.4): a reader that shows
        # one shows the first, the card's language; an import keeps each in its language.
        for lang, title in card.titles:
            lines.append(_line("TITLE", escape(title), f";ALTID=1;LANGUAGE={lang}"))
    elif card.titles:
        lang, title = card.titles[0]
        lines.append(_line("TITLE", escape(title), f";LANGUAGE={lang}{charset}"))
    for tel in card.phones:
        if version == "4.0" and tel.uri:
            lines.append(_line("TEL", tel.uri, f';VALUE=uri;TYPE="{TYPES_40[tel.kind]}"'))
        elif version == "4.0":
            # A number that could not be read is kept as text (RFC 6350 6.4.1 allows it).
            lines.append(_line("TEL", escape(tel.text), f';VALUE=text;TYPE="{TYPES_40[tel.kind]}"'))
        else:
            lines.append(_line("TEL", escape(tel.text), f";TYPE={TYPES_30[tel.kind]}"))
    for address in card.emails:
        params = ";TYPE=work" if version == "4.0" else ";TYPE=INTERNET"
        lines.append(_line("EMAIL", address, params))
    for url in card.urls:
        lines.append(_line("URL", url))
    if card.categories and not compact:
        lines.append(_line("CATEGORIES", ",".join(escape(c) for c in card.categories), charset))
    if not compact:
        stamp = card.revision.strftime(
            "%Y%m%dT%H%M%SZ" if version == "4.0" else "%Y-%m-%dT%H:%M:%SZ"
        )
        lines.append(_line("REV", stamp))
    lines.append("END:VCARD" + CRLF)
    return "".join(lines)


def jcard(card: Card) -> JSON:
    """One card as jCard (RFC 7095): `["vcard", [[name, params, type, value...], ...]]`."""
    props: list[JSON] = [
        ["version", {}, "text", "4.0"],
        ["prodid", {}, "text", PRODID],
        ["uid", {}, "uri", f"urn:uuid:{card.uid}"],
        ["kind", {}, "text", "individual" if card.given or card.family else "org"],
        ["n", {}, "text", [card.family, card.given, "", "", ""]],
        ["fn", {}, "text", card.display],
    ]
    if card.organisation:
        props.append(["org", {}, "text", card.organisation])
    if len(card.titles) > 1:  # each language's, as alternatives of one (RFC 6350 5.4)
        for lang, title in card.titles:
            props.append(["title", {"altid": "1", "language": lang}, "text", title])
    elif card.titles:
        props.append(["title", {"language": card.titles[0][0]}, "text", card.titles[0][1]])
    for tel in card.phones:
        kinds: JSON = {"type": list[JSON](TYPES_40[tel.kind].split(","))}
        props.append(
            ["tel", kinds, "uri", tel.uri] if tel.uri else ["tel", kinds, "text", tel.text]
        )
    for address in card.emails:
        props.append(["email", {"type": "work"}, "text", address])
    for url in card.urls:
        props.append(["url", {}, "uri", url])
    if card.categories:
        props.append(["categories", {}, "text", *card.categories])
    props.append(["rev", {}, "timestamp", card.revision.strftime("%Y-%m-%dT%H:%M:%SZ")])
    return ["vcard", props]


def jcard_text(cards: list[Card]) -> str:
    """One jCard, or a JSON array of jCards for several."""
    data = jcard(cards[0]) if len(cards) == 1 else [jcard(c) for c in cards]
    return json.dumps(data, ensure_ascii=False)
