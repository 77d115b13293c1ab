"""Which characters a value's bytes stand for, decided per value, not per file.

Files from phones and mail clients mix encodings: a UTF-8 card beside one whose NOTE Windows
Contacts wrote in the ANSI code page, a `CHARSET=` label Python does not know, a file sent
as `text/vcard; charset=windows-1257`. Each value is read by, in order: its own declared
charset; the charset of the HTTP body; UTF-8; and the legacy code page the writing program
used (Windows-1257 and 1252, ISO-8859-4/-13/-15, the Mac's), chosen by what the text spells.
Labels follow the WHATWG Encoding Standard where it differs from Python (ISO-8859-1 and
US-ASCII are read as Windows-1252, as browsers and the programs that write them mean them).
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field

from shared.i18n import N_

# The code pages Baltic, Nordic and Western programs write; ties go to the first.
LEGACY = (
    "cp1257",
    "cp1252",
    "iso8859-13",
    "iso8859-4",
    "iso8859-15",
    "mac-latin2",
    "mac-roman",
)
NAMES = {
    "cp1257": "Windows-1257",
    "cp1252": "Windows-1252",
    "iso8859-13": "ISO-8859-13",
    "iso8859-4": "ISO-8859-4",
    "iso8859-15": "ISO-8859-15",
    "mac-latin2": "Mac Central European",
    "mac-roman": "Mac OS Roman",
    "utf-8": "UTF-8",
}
_WHATWG = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-mac-roman": "mac-roman",
    "x-mac-ce": "mac-latin2",
    "x-mac-centraleurroman": "mac-latin2",
    "x-user-defined": "cp1252",
}
# Letters of the languages whose programs write these files; their presence tells code
# pages apart (cp1257 0xEB is "ė", cp1252 reads the same byte as "ë").
_EXPECTED = set("ĄąČčĘęĖėĮįŠšŲųŪūŽžĀāĒēĢģĪīĶķĻļŅņŌōŖŗÕõÄäÖöÜüÅåÆæØøŁłŃńŚśŹźŻżÓóÉéßÐðÞþ")


def codec_of(label: str | None) -> str | None:
    """Python's codec for a charset label, or None when unknown or not a text encoding."""
    if not label:
        return None
    key = label.strip().strip('"').lower()
    if key in _WHATWG:
        return _WHATWG[key]
    try:
        info = codecs.lookup(key)
    except LookupError:
        return None
    # Bytes-to-bytes codecs ("zlib", "base64") and UTF-7 are not charsets of a card.
    if not getattr(info, "_is_text_encoding", True) or info.name == "utf-7":
        return None
    return info.name


def plausibility(text: str) -> int:
    """How much `text` looks like names written by people (higher is likelier)."""
    score = 0
    previous_lower = False
    for ch in text:
        if ch < "\x80":
            previous_lower = ch.islower()
            continue
        if ch in _EXPECTED:
            score += 3
        elif ch.isalpha():
            score += 1
        elif unicodedata.category(ch)[0] == "C":
            score -= 12  # C1 controls: bytes read with the wrong table
        else:
            score -= 3  # symbols are rare inside names and titles
        if ch.isupper() and previous_lower:
            score -= 4  # "KiseliÛnienË": an upper-case letter inside a word
        previous_lower = ch.islower()
    return score


@dataclass
class Decoder:
    """The per-file state: the HTTP charset, and the evidence about the legacy code page."""

    http_charset: str | None = None
    candidates: tuple[str, ...] = LEGACY
    evidence: dict[str, int] = field(default_factory=dict)
    used_legacy: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.http = codec_of(self.http_charset)
        if self.http == "utf-8":
            self.http = None  # UTF-8 is tried anyway, and then the legacy code pages

    def decode(self, raw: bytes, declared: str | None = None) -> tuple[str, Note | None]:
        """The value's text, and a note when its declared charset could not be used."""
        if raw.isascii():
            return raw.decode("ascii"), None
        problem = None
        if declared:
            own = codec_of(declared)
            if own is not None:
                try:
                    return raw.decode(own), None
                except UnicodeDecodeError:
                    problem = "mismatch"
            else:
                problem = "unknown"
        for tried in filter(None, (self.http, "utf-8")):
            try:
                text = raw.decode(tried)
            except UnicodeDecodeError:
                continue
            return text, _note(problem, False, declared, tried)
        legacy = self._legacy(raw)
        self.used_legacy.add(legacy)
        text = raw.decode(legacy, errors="replace")
        return text, _note(problem, "\ufffd" in text, declared, legacy)

    def _legacy(self, raw: bytes) -> str:
        for candidate in self.candidates:
            try:
                score = plausibility(raw.decode(candidate))
            except UnicodeDecodeError:
                score = -50  # a byte this code page does not define
            self.evidence[candidate] = self.evidence.get(candidate, 0) + score
        return max(self.candidates, key=lambda c: self.evidence[c])


# What a value's decoding says, a whole sentence each (a msgid: the coordinator reads it in
# their language), keyed by (what was wrong with CHARSET, whether characters were lost).
NOTES = {
    ("mismatch", False): N_("CHARSET=%(declared)s does not match the text; read as %(codec)s"),
    ("unknown", False): N_("CHARSET=%(declared)s is not a known charset; read as %(codec)s"),
    (None, True): N_("some characters could not be read; read as %(codec)s"),
    ("mismatch", True): N_(
        "CHARSET=%(declared)s does not match the text; some characters could not be read; "
        "read as %(codec)s"
    ),
    ("unknown", True): N_(
        "CHARSET=%(declared)s is not a known charset; some characters could not be read; "
        "read as %(codec)s"
    ),
}
# The report's note on a file whose text was read in a legacy code page.
READ_AS = N_("Text that was not UTF-8 was read as %(charset)s.")
# A note: its msgid and the values that fill it.
Note = tuple[str, dict[str, object]]


def _note(problem: str | None, lost: bool, declared: str | None, codec: str) -> Note | None:
    message = NOTES.get((problem, lost))
    if message is None:
        return None
    return message, {"declared": declared or "", "codec": NAMES.get(codec, codec)}
