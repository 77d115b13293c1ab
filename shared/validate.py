"""Field-by-field validation that collects every error before answering 422."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TypeVar

from aiohttp import web
from email_validator import EmailNotValidError

from shared.addresses import refusal
from shared.errors import FieldError, NotFound, ValidationFailed
from shared.i18n import LANGUAGES, N_, NP_, Message
from shared.payloads import JSON
from shared.text import nfc

T = TypeVar("T")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# Control characters and line breaks: nothing that could break a header or a card.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A person's name, wherever it enters (the subscribe API and forms, the subscriber import, a
# campaign's test reader, a contact's names by API or import, an account's, a list's sender):
# visible text on one line. Refused: control characters (C0, C1, DEL: tabs and line breaks too),
# line and paragraph separators, lone surrogates, and invisible format characters, among them the
# bidi controls that reorder what a reader sees (U+202E shows "Kisevičienė" backwards in a greeting,
# a list or a card), the marks U+200E/F, the isolates U+2066-2069, the BOM and the zero-width space.
# Kept, as format characters, only the joiners a name can need: ZWNJ (Persian names) and ZWJ (Indic
# scripts, emoji sequences). Diacritics are letters and combining marks: never touched.
NAME_MAX = 200
_NAME_REFUSED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAME_JOINERS = frozenset("\u200c\u200d")
NAME_INVISIBLE = N_(
    "must not contain control characters, line breaks or invisible characters such as "
    "text-direction marks"
)
# The largest id a path may name: a bigint with room to spare, and never a huge int() to parse.
MAX_ID = 2**62


def parse_id(raw: str) -> int | None:
    """A database id from text: ASCII digits up to MAX_ID; None for anything else.

    `str.isdigit` alone admits "²" and "٣", which `int()` then refuses or reads.
    """
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_ID)):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def whole_number(value: JSON) -> int | None:
    """`value` when JSON holds an integer there, else None (`true` is no revision, though
    Python counts a bool as an int)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def path_id(request: web.Request, what: str, key: str = "id") -> int:
    """The id in the path's `{key}`; 404 naming `what` for one that cannot be an id."""
    raw = request.match_info[key]
    found = parse_id(raw)
    if found is None:
        raise NotFound("No %(what)s %(raw)r.", values={"what": what, "raw": raw})
    return found


def person_name(
    value: str, max_length: int = NAME_MAX, field: str = "name"
) -> tuple[str, FieldError | None]:
    """The name folded, refused characters out (what a form shows again); why it is refused."""
    # Printable text holds none of the refused categories: the common name costs one scan in
    # C; only one with something odd in it (a no-break space, a control) is read char by char.
    value = nfc(value)  # the edges did already; a caller reading a file of its own may not
    odd = not value.isprintable() and any(_refused_in_name(ch) for ch in value)
    if odd:
        value = "".join(" " if ch.isspace() else "" if _refused_in_name(ch) else ch for ch in value)
    folded = " ".join(value.split())
    if odd:
        return folded, FieldError(field, NAME_INVISIBLE)
    if len(folded) > max_length:
        plural = NP_("must be at most %(num)s character", "must be at most %(num)s characters")
        return folded, FieldError(field, plural, {"num": max_length})
    return folded, None


def _refused_in_name(ch: str) -> bool:
    return ch not in _NAME_JOINERS and unicodedata.category(ch) in _NAME_REFUSED


class Fields:
    """Reads fields from a JSON object, remembering what was wrong with each."""

    def __init__(self, data: Mapping[str, object], prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def path(self, name: str) -> str:
        """The field's name as reported to the client."""
        return f"{self.prefix}{name}"

    def fail(self, name: str, message: Message, **values: object) -> None:
        """Record one error (`message` a msgid, its placeholders filled from `values`)."""
        self.errors.append(FieldError(self.path(name), message, values))

    def refused_address(self, name: str, exc: EmailNotValidError) -> None:
        """Record why email-validator refused `name`'s address, in our words (`refusal`)."""
        message, values = refusal(exc)
        self.fail(name, message, **values)

    def has(self, name: str) -> bool:
        """Whether the field was sent at all."""
        return name in self.data

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        default: str | None = None,
        max_length: int = 200,
        allow_empty: bool = False,
    ) -> str | None:
        """A string without control characters (so it can never break a header or a card)."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return default
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return default
        value = value.strip()
        if not value and not allow_empty:
            if required:
                self.fail(name, "must not be empty")
            return default
        if len(value) > max_length:
            self.fail(
                name,
                NP_("must be at most %(num)s character", "must be at most %(num)s characters"),
                num=max_length,
            )
            return default
        if _CONTROL.search(value):
            self.fail(name, "must not contain control characters or line breaks")
            return default
        return value

    def name(
        self,
        name: str,
        *,
        required: bool = False,
        default: str | None = None,
        max_length: int = NAME_MAX,
        allow_empty: bool = False,
    ) -> str | None:
        """A person's name by the one name rule (`person_name`)."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return default
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return default
        folded, refused = person_name(value, max_length, name)
        if refused is not None:
            self.errors.append(FieldError(self.path(name), refused.message, refused.values))
            return default
        if not folded and not allow_empty:
            if required:
                self.fail(name, "must not be empty")
            return default
        return folded

    def slug(self, name: str, *, required: bool = False) -> str | None:
        """A lower-case slug such as `for-in`."""
        value = self.text(name, required=required, max_length=64)
        if value is not None and not SLUG.match(value):
            self.fail(name, "must be lower-case letters, digits and single hyphens")
            return None
        return value

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        """A JSON boolean."""
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
            return default
        return value

    def integer(
        self, name: str, default: int | None = None, *, low: int = -(2**31), high: int = 2**31 - 1
    ) -> int | None:
        """A whole number within bounds."""
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, "must be a whole number")
            return default
        if not low <= value <= high:
            self.fail(name, "must be between %(low)s and %(high)s", low=low, high=high)
            return default
        return value

    def whole(self, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
        """A whole number from `low` to `high`, sent as JSON or as query-string digits."""
        value = self.data.get(name)
        if value is None or value == "":
            return default
        number = parse_id(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            self.fail(name, "must be a whole number from %(low)s to %(high)s", low=low, high=high)
            return default
        return number

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        """One of a fixed set of strings."""
        value = self.text(name, default=None, max_length=64)
        if value is None:
            return default
        if value not in options:
            self.fail(name, "must be one of %(choices)s", choices=", ".join(options))
            return default
        return value

    def url(self, name: str, *, required: bool = False) -> str | None:
        """An http(s) URL."""
        value = self.text(name, required=required, max_length=2000)
        if value is not None and not URL.match(value):
            self.fail(name, "must be an http:// or https:// URL")
            return None
        return value

    def texts(self, name: str, *, required: bool = False, max_length: int = 300) -> dict[str, str]:
        """A mapping of language code to text, e.g. {"en": "Director", "et": "Direktor"}."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return {}
        if not isinstance(value, dict):
            self.fail(name, 'must be an object of language to text, e.g. {"en": "…"}')
            return {}
        inner = Fields(value, prefix=f"{self.path(name)}.")
        result: dict[str, str] = {}
        for lang in value:
            if lang not in LANGUAGES:
                self.fail(
                    f"{name}.{lang}",
                    "language must be one of %(choices)s",
                    choices=", ".join(LANGUAGES),
                )
                continue
            text = inner.text(lang, max_length=max_length)
            if text:
                result[lang] = text
        self.errors.extend(inner.errors)
        if required and not result and not inner.errors:
            self.fail(name, "needs at least one language")
        return result

    def items(self, name: str, *, max_items: int = 50) -> list[JSON]:
        """A JSON array."""
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, "must be an array")
            return []
        if len(value) > max_items:
            self.fail(
                name,
                NP_("must have at most %(num)s item", "must have at most %(num)s items"),
                num=max_items,
            )
            return []
        return value

    def entry(
        self,
        name: str,
        index: int,
        item: JSON,
        *,
        shape: Message,
        known: set[str],
        shorthand: str | None = None,
    ) -> Fields | None:
        """Item `index` of the array `name` as Fields of its own (their errors are the
        caller's to add); a bare string stands for `{shorthand: …}`. Anything else that is
        not an object fails with `shape` and gives None."""
        path = f"{name}[{index}]"
        if shorthand is not None and isinstance(item, str):
            item = {shorthand: item}
        if not isinstance(item, dict):
            self.fail(path, shape)
            return None
        inner = Fields(item, prefix=f"{self.path(path)}.")
        inner.unknown(known)
        return inner

    def unknown(self, allowed: set[str]) -> None:
        """Report fields the API does not know, so a typo does not pass silently."""
        for name in self.data:
            if name not in allowed:
                self.fail(name, "is not a known field")

    def done(self) -> None:
        """Raise 422 with every error found, if any."""
        if self.errors:
            raise ValidationFailed(self.errors)
