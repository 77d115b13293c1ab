"""A .vcf byte stream cut into cards and physical lines, on octets, before any decoding.

RFC 6350 3.2 folds lines by octets, so a fold may split a UTF-8 character: lines are
split and kept as bytes here, and only whole values are decoded later. Photos and other
binary properties (PHOTO, LOGO, SOUND, KEY) are skipped as they stream past, noted with
their size, and never held in memory nor counted against the import's size limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.directory.importing.rows import LINE_LIMIT, TooLarge
from shared.csvio import Transcoder

# Outlook's business-card picture is a photo too (base64 lines in 2.1, like PHOTO's).
BINARY = {b"PHOTO", b"LOGO", b"SOUND", b"KEY", b"X-MS-CARDPICTURE"}
# A binary value's physical line beyond this is dropped as it arrives (a photo written
# unfolded can be megabytes on one line).
LONG_LINE = LINE_LIMIT
_NAME = re.compile(rb"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)[;:]")
# A line that starts a binary property: what `property_name(line) in BINARY` says, in one match.
_BINARY_START = re.compile(
    rb"(?:[A-Za-z0-9-]+\.)?(?:" + b"|".join(sorted(BINARY)) + rb")[;:]", re.IGNORECASE
)
_BREAK = re.compile(rb"\r\n|\r|\n")
# A 2.1 AGENT whose value is a whole card on the lines after it (`AGENT:` then BEGIN:VCARD).
_AGENT = re.compile(rb"^(?:[A-Za-z0-9-]+\.)?AGENT(?:;[^:]*)?:\s*$", re.IGNORECASE)


@dataclass
class Binary:
    """A skipped binary property: where it started, its name and parameters, its size."""

    line: int
    head: bytes
    size: int = 0


@dataclass
class RawCard:
    """One card's physical lines between BEGIN and END, as bytes with their line numbers."""

    line: int
    lines: list[tuple[int, bytes]] = field(default_factory=list)
    binaries: list[Binary] = field(default_factory=list)
    complete: bool = False
    # Lines longer than LINE_LIMIT, dropped unread: the card is rejected, naming them.
    overlong: list[int] = field(default_factory=list)


def property_name(line: bytes) -> bytes | None:
    """The upper-case name a content line starts with (its group dropped), or None."""
    found = _NAME.match(line)
    return found.group(1).upper() if found else None


class CardSplitter:
    """Feed bytes in any pieces; get back each card once its END:VCARD has arrived."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counted = 0
        self.line = 0
        self.carry = b""
        self.card: RawCard | None = None
        self.binary: Binary | None = None  # the binary property being skipped
        self.dropping = False  # the rest of an over-long binary line is being dropped
        self.skipping = False  # the rest of an over-long text line is being dropped
        self.agent = 0  # depth inside a vCard 2.1 AGENT's embedded card (skipped whole)
        self.transcoder = Transcoder()

    def feed(self, chunk: bytes) -> list[RawCard]:
        """The cards this piece completes."""
        chunk = self.transcoder.feed(chunk)
        data = self.carry + chunk
        end = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if end == len(data) - 1 and data.endswith(b"\r"):
            end = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end))  # CR LF may split
        if end < 0:
            self.carry = data
            self._trim_carry()
            return []
        self.carry = data[end + 1 :]
        done: list[RawCard] = []
        for physical in _BREAK.split(data[: end + 1])[:-1]:
            self._line(physical, done)
        self._trim_carry()
        return done

    def close(self) -> list[RawCard]:
        """The cards still open when the stream ended (cut off: no END:VCARD)."""
        done: list[RawCard] = []
        self.carry += self.transcoder.close()
        if self.carry:
            for physical in _BREAK.split(self.carry):
                self._line(physical, done)
            self.carry = b""
        if self.card is not None:
            self._end_binary()
            done.append(self.card)
            self.card = None
        return done

    def _trim_carry(self) -> None:
        if len(self.carry) <= LONG_LINE:
            return
        if not self.dropping and self._starts_binary(self.carry):
            self._begin_binary(self.carry, self.line + 1)
        elif not (self.dropping or self._continues_binary(self.carry)):
            # One endless text line: its card is rejected naming it, the line dropped as it
            # comes (counted against the limit), and the cards after it read.
            if not self.skipping and self.card is not None:
                self.card.overlong.append(self.line + 1)
            self.skipping = True
            self._count(len(self.carry))
            self.carry = b""
            return
        assert self.binary is not None
        self.binary.size += len(self.carry)
        self.carry = b""
        self.dropping = True

    def _count(self, size: int) -> None:
        self.counted += size
        if self.counted > self.limit:
            raise TooLarge(self.limit)

    def _continues_binary(self, line: bytes) -> bool:
        if self.binary is None:
            return False
        # Folded (RFC 2425), or vCard 2.1 base64 that runs on unindented until a blank line.
        return line[:1] in (b" ", b"\t") or (bool(line.strip()) and b":" not in line)

    def _starts_binary(self, line: bytes) -> bool:
        if self.card is None:
            return False
        return _BINARY_START.match(line) is not None

    def _begin_binary(self, line: bytes, number: int) -> None:
        self._end_binary()
        self.binary = Binary(number, line.split(b":", 1)[0][:200])

    def _end_binary(self) -> None:
        if self.binary is not None and self.card is not None:
            self.card.binaries.append(self.binary)
        self.binary = None

    def _line(self, physical: bytes, done: list[RawCard]) -> None:
        self.line += 1
        if self.skipping:
            self.skipping = False  # the end of an over-long text line
            self._count(len(physical) + 1)
            return
        if self.dropping:
            # The tail of an over-long binary line that was dropped as it came.
            self.dropping = False
            assert self.binary is not None
            self.binary.size += len(physical)
            return
        if self._continues_binary(physical):
            assert self.binary is not None
            self.binary.size += len(physical)
            return
        if self.binary is not None and not physical.strip():
            self._end_binary()  # the blank line that ends a vCard 2.1 base64 value
            return
        if self._starts_binary(physical):
            self._begin_binary(physical, self.line)
            assert self.binary is not None
            self.binary.size += len(physical)
            return
        self._end_binary()
        self._count(len(physical) + 1)
        upper = physical.strip().upper() if len(physical) < 32 else b""
        if self.agent:
            # The card inside a 2.1 AGENT (its person's assistant, say): not this card's data.
            self.agent += {b"BEGIN:VCARD": 1, b"END:VCARD": -1}.get(upper, 0)
            return
        card = self.card
        if upper == b"BEGIN:VCARD" and card is not None and card.lines:
            self.agent = 1 if _AGENT.match(card.lines[-1][1]) else 0
            if self.agent:
                return
        if upper == b"BEGIN:VCARD":
            if self.card is not None:
                done.append(self.card)  # cut off: a new card began before END:VCARD
            self.card = RawCard(self.line)
        elif self.card is None:
            return  # text between cards
        elif upper == b"END:VCARD":
            self.card.complete = True
            done.append(self.card)
            self.card = None
        else:
            self.card.lines.append((self.line, physical))
