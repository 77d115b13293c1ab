"""vCard 2.1, 3.0 and 4.0 (Versit 2.1, RFC 2426, RFC 6350) as the programs that exist write them.

Each card is unfolded on octets by its own version's rule (2.1 keeps the folding whitespace,
3.0 and 4.0 drop one character), quoted-printable soft breaks are joined, parameters are
read case-insensitively (`encoding=quoted-printable` from Thunderbird, bare `WORK;VOICE`
from 2.1), every value is decoded by its own ENCODING and charset (see `charsets`), and
unescaped by its version's rules: 2.1 knows only `\\;`, so "ORG:Acme, Inc." is one name.
What Kontakt does not keep (addresses, photos, notes, birthdays...) is named in `dropped`.
"""

from __future__ import annotations

import binascii
import re
import uuid
from dataclasses import dataclass
from typing import Any

from services.directory.importing.charsets import NAMES, READ_AS, Decoder
from services.directory.importing.rows import LINE_LIMIT, UNSAID, Row
from services.directory.importing.values import label_kind, one_line, web_address
from services.directory.importing.vcard_lines import CardSplitter, RawCard
from shared.errors import FieldError
from shared.i18n import LANGUAGES
from shared.text import nfc

# Cards whose UID is not a UUID keep one all the same, derived from it, so the next import
# of the same card finds the same contact.
UID_NAMESPACE = uuid.UUID("6f1c4a36-2a1e-4d7e-9a34-3f3c0f3b9f11")

KINDS = (("CELL", "cell"), ("MOBILE", "cell"), ("IPHONE", "cell"), ("FAX", "fax"))
KINDS_AFTER = (("HOME", "home"), ("WORK", "work"), ("VOICE", "voice"), ("MAIN", "work"))
# Properties that carry a person's data Kontakt does not keep, by the key the report gives
# (the console names each in the coordinator's language).
DROPPED = {
    "ADR": "address",
    "LABEL": "address",
    "X-ABADR": "address",
    "NOTE": "note",
    "BDAY": "birthday",
    "ANNIVERSARY": "anniversary",
    "X-ANNIVERSARY": "anniversary",
    "X-ABDATE": "anniversary",
    "NICKNAME": "nickname",
    "X-NICKNAME": "nickname",
    "GENDER": "gender",
    "X-WAB-GENDER": "gender",
    "ROLE": "role",
    "IMPP": "messaging",
    "X-AIM": "messaging",
    "X-ICQ": "messaging",
    "X-JABBER": "messaging",
    "X-MSN": "messaging",
    "X-SKYPE": "messaging",
    "X-SKYPE-USERNAME": "messaging",
    "X-SOCIALPROFILE": "social_profile",
    "GEO": "location",
    "TZ": "time_zone",
    "RELATED": "related_people",
    "X-ABRELATEDNAMES": "related_people",
    "X-SPOUSE": "related_people",
    "X-MANAGER": "related_people",
    "X-ASSISTANT": "related_people",
    "LANG": "languages",
    "EXPERTISE": "expertise",
    "HOBBY": "interests",
    "INTEREST": "interests",
    "X-PHONETIC-FIRST-NAME": "phonetic_name",
    "X-PHONETIC-LAST-NAME": "phonetic_name",
    "SORT-STRING": "phonetic_name",
    "AGENT": "related_people",
    "PHOTO": "photo",
    "LOGO": "logo",
    "SOUND": "sound",
    "KEY": "key",
    "CALURI": "calendar",
    "CALADRURI": "calendar",
    "FBURL": "calendar",
    "MEMBER": "group_members",
    "X-ADDRESSBOOKSERVER-MEMBER": "group_members",
    # Outlook's own properties that hold a person's data (the rest of X-MS-* is bookkeeping).
    "X-MS-IMADDRESS": "messaging",
    "X-MS-MANAGER": "related_people",
    "X-MS-ASSISTANT": "related_people",
    "X-MS-SPOUSE": "related_people",
    "X-MS-CARDPICTURE": "photo",
}
# Android's own rows (`X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;Daina;…`) by the
# kind of data the value names; any other kind is named as the card names it.
ANDROID = {
    "nickname": "nickname",
    "relation": "related_people",
    "contact_event": "anniversary",
    "im": "messaging",
    "note": "note",
    "postal-address_v2": "address",
}
# Bookkeeping of the writing program, not data about the person: not worth a remark.
IGNORED = {
    "BEGIN",
    "END",
    "VERSION",
    "PRODID",
    "REV",
    "CLASS",
    "SOURCE",
    "NAME",
    "PROFILE",
    "MAILER",
    "CLIENTPIDMAP",
    "XML",
    "KIND",
    "X-ABLABEL",
    "X-ABUID",
    "X-ABSHOWAS",
    "X-ADDRESSBOOKSERVER-KIND",
    "X-IRMC-LUID",
}
IGNORED_PREFIXES = ("X-MS-", "X-EVOLUTION-", "X-MOZILLA-", "X-ANDROID-", "X-APPLE-", "X-WAB-")
_ESCAPES_21 = {";": ";", "\\": "\\", ",": ","}
_ESCAPES = {";": ";", "\\": "\\", ",": ",", "n": "\n", "N": "\n", ":": ":"}


@dataclass
class Prop:
    """One content line: group, upper-case name, parameters (upper-case names), raw value."""

    line: int
    group: str | None
    name: str
    params: dict[str, list[str]]
    raw: bytes

    def types(self) -> set[str]:
        """TYPE values, upper case, however they were written (`TYPE=a,b`, `a;b`, quoted)."""
        return {
            t.strip().upper() for value in self.params.get("TYPE", []) for t in value.split(",")
        }

    def param(self, name: str) -> str | None:
        """One parameter's first value."""
        values = self.params.get(name)
        return values[0] if values else None


def _split_quoted(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    start, quoted = 0, False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def parse_line(number: int, logical: bytes) -> Prop | None:
    """A content line `[group.]NAME;param=value:value`, or None when it is not one."""
    colon = logical.find(b":")
    if colon < 0:
        return None
    if b'"' in logical[:colon]:
        quoted = False
        for index, byte in enumerate(logical):
            if byte == 0x22:  # "
                quoted = not quoted
            elif byte == 0x3A and not quoted:  # :
                colon = index
                break
    head = logical[:colon].decode("utf-8", "replace")
    parts = _split_quoted(head, ";")
    group, _, name = parts[0].strip().rpartition(".")
    if not name:
        return None
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, equals, value = part.strip().partition("=")
        if not key:
            continue
        if not equals:
            # vCard 2.1 writes bare values: `TEL;WORK;VOICE`, `NOTE;QUOTED-PRINTABLE`.
            key, value = _bare(key), key
        found = params.setdefault(key.strip().upper(), [])
        if '"' in value or "," in value:
            found.extend([item.strip().strip('"') for item in _split_quoted(value, ",")])
        else:
            found.append(value.strip())  # one plain value, as most are
    return Prop(number, group or None, name.upper(), params, logical[colon + 1 :])


def _raw_parts(text: str) -> list[str]:
    """A structured value's components, split on unescaped `;`, escapes still in them."""
    parts = re.split(r"(?<!\\)((?:\\\\)*);", text)
    # re.split keeps the captured even runs of backslashes: glue them back to their part.
    joined = [parts[0]]
    for index in range(1, len(parts) - 1, 2):
        joined[-1] += parts[index]
        joined.append(parts[index + 1])
    return joined + [""] * (2 - len(joined))


def _listed(parts: list[str], version: str) -> tuple[str, str]:
    """Each component's comma-separated names, unescaped and joined by spaces."""
    names = [
        " ".join(n for n in (one_line(v).strip() for v in unescape(p, version, ",")) if n)
        for p in parts
    ]
    return names[0], names[1]


def _bare(value: str) -> str:
    upper = value.upper()
    if upper in {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}:
        return "ENCODING"
    if upper.startswith("CHARSET"):
        return "CHARSET"
    return "TYPE"


def unescape(text: str, version: str, separator: str | None = None) -> list[str]:
    """A value's parts (split on an unescaped `separator`), backslash escapes undone."""
    if "\\" not in text:
        return text.split(separator) if separator else [text]
    escapes = _ESCAPES_21 if version == "2.1" else _ESCAPES
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in escapes:
            current.append(escapes[text[index + 1]])
            index += 2
            continue
        if char == "\\" and version != "2.1" and index + 1 < len(text):
            # An escape 3.0 and 4.0 do not define (`\"`, `\/`, `\t` as some writers escape
            # whatever they please): the character itself, not a backslash before it.
            current.append(text[index + 1])
            index += 2
            continue
        if separator is not None and char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


class VcardReader:
    """Feed a .vcf file's bytes; get back a row per card."""

    def __init__(self, limit: int, http_charset: str | None = None) -> None:
        self.lines = CardSplitter(limit)
        self.decoder = Decoder(http_charset)
        self.count = 0

    @property
    def notes(self) -> list[FieldError]:
        """File-level remarks: which legacy code page text was read in."""
        return [
            FieldError("", READ_AS, {"charset": NAMES.get(c, c)})
            for c in sorted(self.decoder.used_legacy)
        ]

    def feed(self, chunk: bytes) -> list[Row]:
        """Rows for the cards this piece completes."""
        return [self._row(card) for card in self.lines.feed(chunk)]

    def close(self) -> list[Row]:
        """Rows for what is left; a file without a single card is one rejected row."""
        rows = [self._row(card) for card in self.lines.close()]
        if not self.count:
            rows.append(
                Row(
                    0,
                    0,
                    None,
                    {},
                    errors=[FieldError("", "no BEGIN:VCARD found: not a vCard file")],
                )
            )
        return rows

    def _row(self, card: RawCard) -> Row:
        self.count += 1
        return CardReading(self, card).row()


class CardReading:
    """One card's lines turned into a row."""

    def __init__(self, reader: VcardReader, card: RawCard) -> None:
        self.reader = reader
        self.card = card
        self.version = _version(card)
        self.notes: list[FieldError] = []
        self.dropped: list[str] = []
        self.props = self._props()
        self.labels = {
            p.group: self.text(p) for p in self.props if p.name == "X-ABLABEL" and p.group
        }

    def _props(self) -> list[Prop]:
        found: list[Prop] = []
        logical: list[tuple[int, bytearray]] = []
        keep_space = self.version == "2.1"  # 2.1 folds before whitespace and keeps it
        for number, physical in self.card.lines:
            if logical and logical[-1][1][-1:] in b"= \t" and _soft_break(logical[-1][1]):
                logical[-1][1][:] = logical[-1][1].rstrip()[:-1] + physical
            elif logical and physical[:1] in (b" ", b"\t"):
                logical[-1][1].extend(physical if keep_space else physical[1:])
            elif physical.strip():
                logical.append((number, bytearray(physical)))
        for number, data in logical:
            prop = parse_line(number, bytes(data))
            if prop is None:
                self.notes.append(FieldError(f"line {number}", "is not a vCard property; ignored"))
            else:
                found.append(prop)
        return found

    def text(self, prop: Prop) -> str:
        """A property's value decoded: transfer encoding, then charset; escapes kept."""
        raw = prop.raw
        encoding = (prop.param("ENCODING") or "").upper()
        if encoding in {"QUOTED-PRINTABLE", "QP"}:
            raw = binascii.a2b_qp(raw)
        elif encoding in {"B", "BASE64"}:
            try:
                raw = binascii.a2b_base64(raw)
            except binascii.Error:
                self.notes.append(FieldError(f"line {prop.line}", "is not valid base64"))
        text, note = self.reader.decoder.decode(raw, prop.param("CHARSET"))
        if note:
            self.notes.append(FieldError(f"line {prop.line}", *note))
        return nfc(text)

    def row(self) -> Row:
        """The card in the API's shape."""
        card = self.card
        number = self.reader.count
        if card.overlong:
            problem = FieldError(
                f"line {card.overlong[0]}",
                "is longer than %(limit)s bytes: the card is not imported",
                {"limit": LINE_LIMIT},
            )
            return Row(number, card.line, self._name_for_report(), {}, errors=[problem])
        if not card.complete:
            name = self._name_for_report()
            return Row(
                number,
                card.line,
                name,
                {},
                errors=[FieldError("", "the card is cut off: END:VCARD is missing")],
            )
        data: dict[str, Any] = {"phones": [], "emails": [], "links": []}
        categories: list[str] = []
        for prop in self.props:
            self._read(prop, data, categories)
        for binary in card.binaries:
            name = binary.head.split(b";")[0].split(b".")[-1].upper().decode("ascii", "replace")
            self._drop(DROPPED.get(name) or name.lower())
        if categories:
            data["categories"] = categories
        name = data.get("display_name") or " ".join(
            p for p in (data.get("given_name"), data.get("family_name")) if p
        )
        if not name and data.get("organisation_name"):
            data["display_name"] = name = data["organisation_name"]
        row = Row(
            number,
            card.line,
            name or None,
            data,
            partial=True,
            dropped=self.dropped,
            notes=self.notes,
        )
        if self._is_group():
            row.skipped = "a contact group, not a person: Kontakt keeps no groups"
        elif not name:
            row.errors.append(FieldError("", "the card has neither FN nor N: there is no name"))
        return row

    def _drop(self, what: str) -> None:
        if what not in self.dropped:
            self.dropped.append(what)

    def _is_group(self) -> bool:
        for prop in self.props:
            if prop.name in {"KIND", "X-ADDRESSBOOKSERVER-KIND"}:
                return self.text(prop).strip().lower() == "group"
        return False

    def _name_for_report(self) -> str | None:
        for prop in self.props:
            if prop.name == "FN":
                return one_line(unescape(self.text(prop), self.version)[0]) or None
        return None

    def _read(self, prop: Prop, data: dict[str, Any], categories: list[str]) -> None:
        name = prop.name
        if name == "N":
            # Commas inside a component (RFC 6350's lists of additional names) stay as written.
            parts = [one_line(p) for p in unescape(self.text(prop), self.version, ";")]
            parts += [""] * (5 - len(parts))
            if self.version != "2.1":
                # 3.0 and 4.0 list several names in a component with commas (RFC 6350
                # 6.2.2: `N:Kisevičienė;Žydrūnė,Ieva;;;`); an escaped comma stays one.
                family, given = _listed(_raw_parts(self.text(prop))[:2], self.version)
                parts[0], parts[1] = family, given
            data["family_name"], data["given_name"] = parts[0], parts[1]
            if any(parts[2:5]):
                self._drop("name_parts")
        elif name == "FN":
            data["display_name"] = one_line(unescape(self.text(prop), self.version)[0])
        elif name == "ORG":
            parts = [one_line(p) for p in unescape(self.text(prop), self.version, ";")]
            if parts[0]:
                data["organisation_name"] = parts[0]
            if any(parts[1:]):
                self._drop("department")
        elif name == "TITLE":
            # Each language's first title (`TITLE;LANGUAGE=lt`, 4.0's ALTID alternatives);
            # one without LANGUAGE is the import's language (`UNSAID`).
            title = one_line(unescape(self.text(prop), self.version)[0])
            tag = (prop.param("LANGUAGE") or "").split("-")[0].strip().lower()
            lang = tag if tag in LANGUAGES else UNSAID
            if title and lang not in data.setdefault("titles", {}):
                data["titles"][lang] = title
            elif title:
                self._drop("second_title")
        elif name == "TEL":
            self._tel(prop, data)
        elif name == "EMAIL":
            address = one_line(unescape(self.text(prop), self.version)[0])
            address = re.sub(r"^mailto:", "", address, flags=re.IGNORECASE)
            if address:
                data["emails"].append(address)
        elif name == "URL":
            self._url(prop, data)
        elif name == "UID":
            uid = one_line(unescape(self.text(prop), self.version)[0])
            data["uid"] = _uid(uid)
        elif name == "CATEGORIES":
            for category in unescape(self.text(prop), self.version, ","):
                if one_line(category):
                    categories.append(one_line(category))
        elif name == "X-ANDROID-CUSTOM":
            kind = self.text(prop).split(";", 1)[0].rpartition("/")[2].lower()
            self._drop(ANDROID.get(kind, name))
        elif name in DROPPED:
            self._drop(DROPPED[name])
        elif name not in IGNORED and not name.startswith(IGNORED_PREFIXES):
            self._drop(name)  # a property of its own: named as the card names it

    def _tel(self, prop: Prop, data: dict[str, Any]) -> None:
        value = one_line(unescape(self.text(prop), self.version)[0])
        if (prop.param("VALUE") or "").lower() == "uri" or value.lower().startswith("tel:"):
            value = _tel_uri(value)
        if not value:
            return
        phone: dict[str, Any] = {"number": value}
        kind = _kind(prop.types(), self.labels.get(prop.group) if prop.group else None)
        if kind is not None:
            phone["kind"] = kind
        elif prop.group in self.labels:
            self._drop("phone_labels")
        data["phones"].append(phone)

    def _url(self, prop: Prop, data: dict[str, Any]) -> None:
        text = one_line(unescape(self.text(prop), self.version)[0])
        if not text:
            return
        url = web_address(text)
        if url is None:
            self._drop("other_links")
            return
        if url not in data["links"]:
            data["links"].append(url)


def _soft_break(line: bytearray) -> bool:
    """A quoted-printable value continued on the next line (`=` at its end)."""
    stripped = line.rstrip()
    if not stripped.endswith(b"="):
        return False
    head = line.split(b":", 1)[0].upper()
    return b"QUOTED-PRINTABLE" in head or b"ENCODING=QP" in head


def _version(card: RawCard) -> str:
    # Thunderbird's old exports put VERSION last, so the whole card is looked at.
    for _, line in card.lines:
        if line[:8].upper() == b"VERSION:":
            value = line[8:].strip().decode("ascii", "replace")
            return value if value in {"2.1", "3.0", "4.0"} else "3.0"
    return "3.0"


def _tel_uri(value: str) -> str:
    """RFC 3966 `tel:+370-5-200-0009;ext=5555` as people write it: `+370-5-200-0009 ext. 5555`."""
    number, *params = value.removeprefix("tel:").removeprefix("TEL:").split(";")
    extension = next(
        (p.split("=", 1)[1] for p in params if p.lower().startswith("ext=") and "=" in p), None
    )
    return f"{number} ext. {extension}" if extension else number


def _kind(types: set[str], label: str | None) -> str | None:
    for wanted, kind in KINDS:
        if wanted in types:
            return kind
    if label and (labelled := label_kind(label)):
        return labelled
    for wanted, kind in KINDS_AFTER:
        if wanted in types:
            return kind
    return None


def _uid(raw: str) -> str | None:
    value = re.sub(r"^urn:uuid:", "", raw.strip(), flags=re.IGNORECASE)
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.uuid5(UID_NAMESPACE, value))
