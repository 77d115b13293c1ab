"""HTML templates as every service renders them: every value escaped, no silent blanks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from shared import i18n


def _template_text(text: str, values: Mapping[str, object]) -> str | Markup:
    # The catalog's text is escaped as well as the values: no translation carries markup.
    return escape(text) % values if values else text


def _gettext(message: str, **values: object) -> str | Markup:
    return _template_text(i18n.current().gettext(message), values)


def _pgettext(context: str, message: str, **values: object) -> str | Markup:
    return _template_text(i18n.current().pgettext(context, message), values)


def _ngettext(singular: str, plural: str, num: int, **values: object) -> str | Markup:
    tr = i18n.current()
    text = tr.catalog.ngettext(singular, plural, num)
    return _template_text(text, {"num": tr.number(num), **values})


def page_templates(
    folder: Path, terms: Mapping[str, Mapping[str, i18n.Term]] | None = None
) -> jinja2.Environment:
    """The templates in `folder`, autoescaped, with `_`, `pgettext`, `ngettext` and formats.

    `term(group, value)` names an API value (a status, a reason) from `terms`, or the
    value itself when `terms` has no name for it; `terms(group)` names them all (for scripts).

    An undefined name is an error, not ''. Render them with `render` (or inside
    `i18n.speaking(lang)`), which chooses the language the gettext functions speak.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=_gettext,
        gettext=_gettext,
        pgettext=_pgettext,
        ngettext=_ngettext,
        format_number=lambda value: i18n.current().number(value),
        format_date=_format_date,
        format_datetime=_format_datetime,
        language_name=i18n.language_name,
        term=lambda group, value: _term(terms or {}, group, value),
        terms=lambda group: {v: _term(terms or {}, group, v) for v in (terms or {})[group]},
    )
    return env


# What a date shows when there is none ("never confirmed"): a dash, in every language.
NO_DATE = "–"


def _instant(value: str | dt.datetime) -> dt.datetime:
    """An API's ISO 8601 text (or a datetime) as an aware datetime (UTC when it names no offset)."""
    found = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _format_date(
    value: str | dt.date | None, width: i18n.Width = "medium", zone: str | None = None
) -> str:
    """A date, or an instant's date in `zone` (UTC if None), the page's language's way."""
    if value is None or value == "":
        return NO_DATE
    if isinstance(value, str) and "T" not in value:
        value = dt.date.fromisoformat(value)
    if isinstance(value, str | dt.datetime):
        value = _instant(value).astimezone(ZoneInfo(zone or "UTC")).date()
    return i18n.current().date(value, width)


def _format_datetime(
    value: str | dt.datetime | None, width: i18n.Width = "medium", zone: str | None = None
) -> str:
    """An instant (ISO text or datetime) in `zone`, the page's language's way; a dash for none."""
    if value is None or value == "":
        return NO_DATE
    return i18n.current().datetime(_instant(value), width, zone)


def _term(terms: Mapping[str, Mapping[str, i18n.Term]], group: str, value: str) -> str:
    found = terms[group].get(value)
    return i18n.current().term(found) if found is not None else value


def render(env: jinja2.Environment, name: str, lang: str, /, **values: object) -> str:
    """Template `name` rendered in `lang`."""
    with i18n.speaking(lang):
        return env.get_template(name).render(**values)
