"""The languages Kontakt speaks: gettext catalogs (Babel), locale negotiation, plurals, formats.

Every text a person reads is an English msgid marked with `_`/`N_`/`ngettext`/`pgettext`,
extracted by `make messages` (pybabel, `babel.cfg`) into `shared/locale/kontakt.pot` and
translated in `shared/locale/LANG/LC_MESSAGES/kontakt.po`; the compiled `.mo` files are read
here. Placeholders are Python's `%(name)s`; `ngettext` supplies `%(num)s`, the count written
the locale's way, and picks the form by the CLDR plural rule of the language.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

import babel
import babel.dates
import babel.numbers
from babel.support import Translations

LANGUAGES = ("en", "et", "lv", "lt")
FALLBACK = "en"
DOMAIN = "kontakt"
LOCALE_DIR = Path(__file__).parent / "locale"

Width = Literal["short", "medium", "long", "full"]
# A text marked for later translation: its msgid, or (msgctxt, msgid).
Term = str | tuple[str, str]


class Plural(NamedTuple):
    """A count's text in English's two forms (`NP_`); `%(num)s` is the count."""

    singular: str
    plural: str


# What an error carries as its text: a msgid, or the two forms of a count's.
Message = str | Plural


class Word(str):
    """An API value a person reads inside a message (a status): its English name, translated
    when it fills a message in another language (`term`, marked with `N_`/`NC_` where defined).
    """

    term: Term

    def __new__(cls, term: Term) -> Word:
        word = super().__new__(cls, term[1] if isinstance(term, tuple) else term)
        word.term = term
        return word

    def __reduce__(self) -> tuple[type[Word], tuple[Term]]:
        # Pickled to worker processes with the rest of an error.
        return Word, (self.term,)


def word(names: Mapping[str, Term], value: str) -> str:
    """`value`'s name from `names` (translated when it fills a message), or `value` itself."""
    found = names.get(value)
    return Word(found) if found is not None else value


def N_(message: str) -> str:
    """`message` unchanged, marked for extraction (translate it later with `gettext`)."""
    return message


def NC_(context: str, message: str) -> tuple[str, str]:
    """`message` in `context`, marked for extraction (translate it later with `term`)."""
    return (context, message)


def NP_(singular: str, plural: str) -> Plural:
    """A count's text, marked for extraction (translate it with `message`, `num` in the values)."""
    return Plural(singular, plural)


class Translator:
    """Texts, plurals, numbers and dates in one of our languages."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else FALLBACK
        self.locale = babel.Locale.parse(self.lang)
        self.catalog = _catalog(self.lang)

    def gettext(self, message: str, **values: object) -> str:
        """`message` in this language, its `%(name)s` placeholders filled from `values`."""
        return _fill(self.catalog.gettext(message), self._words(values))

    def pgettext(self, context: str, message: str, **values: object) -> str:
        """`message` in `context` (the same English word meaning another thing)."""
        return _fill(self.catalog.pgettext(context, message), self._words(values))

    def ngettext(self, singular: str, plural: str, num: int, **values: object) -> str:
        """The form for `num` by this language's plural rule; `%(num)s` is the count."""
        text = self.catalog.ngettext(singular, plural, num)
        return _fill(text, {"num": self.number(num), **self._words(values)})

    def _words(self, values: Mapping[str, object]) -> Mapping[str, object]:
        """`values` with each `Word` in this language, and each date or time written its way
        (CLDR, by Babel): a message is given a `datetime`, never a date already written."""
        if not any(isinstance(v, Word | dt.date) for v in values.values()):
            return values
        return {k: self._word(v) for k, v in values.items()}

    def _word(self, value: object) -> object:
        if isinstance(value, Word):
            return self.term(value.term)
        if isinstance(value, dt.datetime):
            return self.moment(value)
        if isinstance(value, dt.date):
            return self.date(value)
        return value

    def message(self, message: Message, values: Mapping[str, object]) -> str:
        """An error's text: a msgid, or a `Plural` whose count is `values["num"]`."""
        if isinstance(message, Plural):
            rest = {k: v for k, v in values.items() if k != "num"}
            num = values["num"]
            assert isinstance(num, int)
            return self.ngettext(message.singular, message.plural, num, **rest)
        return self.gettext(message, **values)

    def term(self, term: Term) -> str:
        """A text marked with `N_` or `NC_`, in this language."""
        if isinstance(term, tuple):
            return self.pgettext(*term)
        return self.gettext(term)

    def number(self, value: int | float | Decimal) -> str:
        """`value` with this language's digit grouping and decimal sign."""
        return babel.numbers.format_decimal(value, locale=self.locale)

    def date(self, value: dt.date, width: Width = "medium") -> str:
        """`value` as a date is written in this language (CLDR)."""
        return babel.dates.format_date(value, format=width, locale=self.locale)

    def datetime(self, value: dt.datetime, width: Width = "medium", zone: str | None = None) -> str:
        """`value` (aware) as a date of `width` and a time to the minute, in `zone` (UTC if None).

        The date and time are joined by the locale's own pattern for `width` (CLDR
        dateTimeFormats): "2026. gada 4. marts 15:05", "Mar 4, 2026, 3:05 PM".
        """
        tz = babel.dates.get_timezone(zone or "UTC")
        local = value.astimezone(tz)
        pattern = babel.dates.get_datetime_format(width, locale=self.locale)
        return (
            str(pattern)
            .replace("{1}", self.date(local.date(), width))
            .replace("{0}", self.time(local.time(), "short"))
        )

    def moment(self, value: dt.datetime, width: Width = "medium") -> str:
        """`value` as it stands, in its own zone or offset, and which that is: "2026. gada
        4. marts 15:05 Europe/Riga", "Mar 4, 2026, 3:05 PM GMT+02:00"; naive, without."""
        pattern = babel.dates.get_datetime_format(width, locale=self.locale)
        text = (
            str(pattern)
            .replace("{1}", self.date(value.date(), width))
            .replace("{0}", self.time(value.time(), "short"))
        )
        if value.tzinfo is None:
            return text
        key = getattr(value.tzinfo, "key", None)
        if isinstance(key, str):
            return f"{text} {key}"
        if value.utcoffset() == dt.timedelta(0):
            return f"{text} UTC"
        return f"{text} {babel.dates.get_timezone_gmt(value, locale=self.locale)}"

    def time(self, value: dt.datetime | dt.time, width: Width = "short") -> str:
        """`value` as a time of day in this language."""
        return babel.dates.format_time(value, format=width, locale=self.locale)


def _fill(text: str, values: Mapping[str, object]) -> str:
    return text % values if values else text


@cache
def _catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of `lang` (English is the msgids themselves)."""
    if lang == FALLBACK:
        return _gettext.NullTranslations()
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        # A missing catalog is a broken build (`make messages`), never a silent English page.
        raise RuntimeError(f"no compiled catalog {path}")
    with path.open("rb") as fh:
        return Translations(fh, domain=DOMAIN)


@cache
def translator(lang: str) -> Translator:
    """The translator of `lang`, English when it is not one of ours."""
    return Translator(lang)


_current: ContextVar[Translator] = ContextVar("kontakt_translator")


@contextmanager
def speaking(lang: str) -> Iterator[Translator]:
    """Within the block, templates' `_`, `ngettext`... speak `lang`."""
    token = _current.set(translator(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current() -> Translator:
    """The translator of the enclosing `speaking` block (LookupError outside one)."""
    return _current.get()


def script_texts(source: str, texts: Mapping[str, str]) -> str:
    """A script's `__TEXTS__` placeholder as `{lang: {key: text}}` in every language we speak.

    For what a browser script says before (or instead of) asking our server anything: that
    the server cannot be reached. The script picks its element's `lang`, else the page's.
    """
    table = {
        lang: {key: translator(lang).gettext(text) for key, text in texts.items()}
        for lang in LANGUAGES
    }
    return source.replace("__TEXTS__", json.dumps(table, ensure_ascii=True, sort_keys=True))


@cache
def language_name(code: str) -> str:
    """A language's own name (CLDR), for choosing it: "Eesti", "Latviešu", "Lietuvių"."""
    name = babel.Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def pick(texts: Mapping[str, str] | None, lang: str, default_lang: str = FALLBACK) -> str | None:
    """The text in `lang`, else the default language, else English, else any."""
    if not texts:
        return None
    for candidate in (lang, default_lang, FALLBACK):
        value = texts.get(candidate)
        if value:
            return value
    return next((v for v in texts.values() if v), None)


def negotiate(accept_language: str | None, default: str = FALLBACK) -> str:
    """The best of our languages for an Accept-Language header (RFC 9110 12.5.4), Babel's match."""
    if not accept_language:
        return default
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip().replace(" ", "")
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    preferred = [tag for _, _, tag in sorted(weighted)]
    found = babel.negotiate_locale(preferred, list(LANGUAGES), sep="-", aliases={})
    return found if found in LANGUAGES else default
