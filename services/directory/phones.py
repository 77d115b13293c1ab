"""Phone numbers as people write them: E.164 plus extension, or kept as written and flagged.

Numbers are read by phonenumbers (libphonenumber's metadata): a national number with the
region of the contact's network (`5555 1234` in an Estonian network is +372 5555 1234), an
extension in any of the ways people write one (`ext. 5555`, `x5555`, RFC 3966 `;ext=5555`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

import phonenumbers

from shared import payloads
from shared.errors import FieldError
from shared.i18n import N_
from shared.validate import Fields

KINDS = ("work", "cell", "voice", "fax", "home")
ITEM_FIELDS = {"number", "kind", "region", "e164", "extension"}
# "+372 7423 625, +372 50 46570" is two numbers; ";ext=5555" is not a second one.
_SPLIT = re.compile(r"\s*[,;]\s*(?=[+(0-9])")
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
UNREADABLE = N_("%(part)r is kept as written: it is not a phone number that can be dialled")
# Why a number cannot be read (ValueError's text): a msgid whose `%(part)r` is the number
# (and `%(example)s`, when there is one, a number of the region it was read in).
NOT_A_NUMBER = N_(
    "%(part)r is not a phone number; write it as dialled in the country or internationally, "
    "e.g. %(example)s"
)
NOT_A_NUMBER_ANYWHERE = N_(
    "%(part)r is not a phone number; write it internationally, with + and the country code"
)
NOT_VALID = N_("%(part)r is not a valid phone number for its country")


@dataclass(frozen=True, slots=True)
class Phone:
    """A number as E.164 (None: unreadable, kept as written) with its extension and kind."""

    e164: str | None
    written: str
    kind: str
    extension: str | None = None

    def __reduce__(self) -> tuple[type[Phone], tuple[str | None, str, str, str | None]]:
        # Pickled to and from the import's checking workers: a tuple, not field by field.
        return Phone, (self.e164, self.written, self.kind, self.extension)

    def as_json(self) -> dict[str, str | None]:
        """The phone as the API shows it."""
        return {
            "e164": self.e164,
            "written": self.written,
            "kind": self.kind,
            "extension": self.extension,
        }


@dataclass(frozen=True, slots=True)
class Number:
    """What phonenumbers made of one written number."""

    e164: str
    extension: str | None
    mobile: bool


def read_number(raw: str, region: str | None) -> Number:
    """Parse one number, national ones in `region`; ValueError with a reason when it cannot be.

    The reason (`str(exc)`) is a msgid whose `%(part)r` is the number as written.
    """
    found = _read_number(raw, region)
    if isinstance(found, str):
        raise ValueError(found)
    return found


# phonenumbers takes about 0.1 ms a number; a file names the same switchboard many times.
@functools.lru_cache(maxsize=8192)
def _read_number(raw: str, region: str | None) -> Number | str:
    """`read_number`'s answer, or the reason it cannot be read."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return NOT_A_NUMBER if example(region) else NOT_A_NUMBER_ANYWHERE
    # number_type is UNKNOWN exactly when the number is not valid (libphonenumber's contract),
    # so one lookup gives both answers.
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return NOT_VALID
    return Number(
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        number.extension or None,
        kind in _MOBILE,
    )


@functools.lru_cache(maxsize=64)
def example(region: str | None) -> str | None:
    """A landline number of `region` as written internationally (`+371 63 123 456`), if known."""
    if region is None:
        return None
    found = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    if found is None:
        return None
    return phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class PhoneInput(TypedDict):
    """A stored phone as the API and the import take it back: `number` as written, and what
    it was read as (so saving it unchanged reads nothing again)."""

    number: str
    e164: str | None
    kind: payloads.PhoneKind
    extension: str | None


def phone_input(stored: payloads.Phone) -> PhoneInput:
    """A stored phone (`{"e164", "written", "kind", "extension"}`) in the input's shape."""
    return {
        "number": stored["written"],
        "e164": stored["e164"],
        "kind": stored["kind"],
        "extension": stored["extension"],
    }


def dialable(phone: Mapping[str, str | None]) -> str | None:
    """A stored phone as an RFC 3966 global number without the scheme (`+37052000009;ext=5`)."""
    e164, extension = phone["e164"], phone.get("extension")
    if e164 is None:
        return None
    return f"{e164};ext={extension}" if extension else str(e164)


def read_phones(
    f: Fields, region: str | None, keep_unreadable: bool, known: Mapping[str, Phone]
) -> tuple[list[Phone], list[FieldError]]:
    """The `phones` field: numbers, and notes (field, message) on what was kept or merged.

    `keep_unreadable` keeps numbers that cannot be read as written, with a note (imports);
    otherwise they are errors on the field. `known` are the contact's stored phones by their
    written form: one sent back as it was keeps its stored reading (even an unreadable one).
    """
    phones: list[Phone] = []
    explicit: list[bool] = []
    notes: list[FieldError] = []
    for index, item in enumerate(f.items("phones")):
        name = f"phones[{index}]"
        shape = N_('must be a string or {"number": …, "kind": …}')
        inner = f.entry("phones", index, item, shape=shape, known=ITEM_FIELDS, shorthand="number")
        if inner is None:
            continue
        written = inner.text("number", required=not inner.has("e164"), max_length=100)
        e164_hint = inner.text("e164", max_length=20)
        extension_hint = inner.text("extension", max_length=20)
        own_region = inner.text("region", max_length=2)
        kind = inner.choice("kind", KINDS)
        if own_region is not None and not re.fullmatch(r"[A-Z]{2}", own_region):
            inner.fail("region", "must be a two-letter country code such as EE")
        f.errors.extend(inner.errors)
        if inner.errors:
            continue
        if e164_hint:
            parts = [e164_hint + (f";ext={extension_hint}" if extension_hint else "")]
        else:
            parts = [p for p in _SPLIT.split(written or "") if p]
        for part in parts:
            shown = written if (e164_hint and written) else part
            stored = known.get(shown)
            if (
                stored is not None
                and e164_hint
                and (e164_hint, extension_hint)
                != (
                    stored.e164,
                    stored.extension,
                )
            ):
                stored = None
            labelled = kind is not None or stored is not None
            if stored is not None:
                phone = Phone(stored.e164, shown, kind or stored.kind, stored.extension)
            else:
                try:
                    number = read_number(part, own_region or region)
                except ValueError as exc:
                    if not keep_unreadable:
                        f.fail(
                            f"{name}.number",
                            str(exc),
                            part=part,
                            example=example(own_region or region) or "",
                        )
                        continue
                    phone = Phone(None, shown, kind or "work")
                    notes.append(FieldError(f"{name}.number", UNREADABLE, {"part": shown}))
                else:
                    inferred = "cell" if number.mobile else "work"
                    phone = Phone(number.e164, shown, kind or inferred, number.extension)
            same = next((i for i, p in enumerate(phones) if _same(p, phone)), None)
            if same is None:
                phones.append(phone)
                explicit.append(labelled)
                continue
            # Phones list one number twice (once per label): one entry, the labelled kind.
            if labelled and not explicit[same]:
                first = phones[same]
                phones[same] = Phone(first.e164, first.written, phone.kind, first.extension)
                explicit[same] = True
            twice = FieldError(
                f"{name}.number", "%(address)r is listed twice; merged", {"address": shown}
            )
            notes.append(twice)
    return phones, notes


def _same(a: Phone, b: Phone) -> bool:
    if a.e164 is None or b.e164 is None:
        return a.e164 is None and b.e164 is None and a.written.split() == b.written.split()
    return a.e164 == b.e164 and a.extension == b.extension
