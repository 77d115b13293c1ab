"""HTML templates as every service renders them: every value escaped, no silent blanks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from shared import i18n


def _template_text(text: str, values: dict[str, Any]) -> str | Markup:
    # The catalog's text is escaped as well as the values: no translation carries markup.
    return escape(text) % values if values else text


def _gettext(message: str, **values: Any) -> str | Markup:
    return _template_text(i18n.current().gettext(message), values)


def _pgettext(context: str, message: str, **values: Any) -> str | Markup:
    return _template_text(i18n.current().pgettext(context, message), values)


def _ngettext(singular: str, plural: str, num: int, **values: Any) -> str | Markup:
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
        format_date=lambda value, width="medium": i18n.current().date(value, width),
        format_datetime=lambda value, width="medium", zone=None: i18n.current().datetime(
            value, width, zone
        ),
        language_name=i18n.language_name,
        term=lambda group, value: _term(terms or {}, group, value),
        terms=lambda group: {v: _term(terms or {}, group, v) for v in (terms or {})[group]},
    )
    return env


def _term(terms: Mapping[str, Mapping[str, i18n.Term]], group: str, value: str) -> str:
    found = terms[group].get(value)
    return i18n.current().term(found) if found is not None else value


def render(env: jinja2.Environment, name: str, lang: str, /, **values: Any) -> str:
    """Template `name` rendered in `lang`."""
    with i18n.speaking(lang):
        return env.get_template(name).render(**values)
