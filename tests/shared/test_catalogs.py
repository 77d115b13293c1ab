"""Every text marked in the code and templates is translated in et, lv and lt, every plural form."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.checkers import python_format
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from shared import i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "NC_": ((1, "c"), 2)}


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """What `make messages` extracts today, straight from the code and templates."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    catalog = Catalog()
    for _, _, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, context=context, auto_comments=comments)
    assert len(catalog) > 300
    return catalog


def read(lang: str) -> Catalog:
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["et", "lv", "lt"])
def test_catalog_translates_every_message_and_plural_form(extracted: Catalog, lang: str) -> None:
    catalog = read(lang)
    missing, untranslated, bad_format = [], [], []
    for message in extracted:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        if found is None:
            missing.append(message.id)
            continue
        forms = (
            tuple(found.string) if isinstance(found.string, tuple | list) else (found.string or "",)
        )
        wanted = catalog.num_plurals if message.pluralizable else 1
        if found.fuzzy or len(forms) != wanted or not all(f.strip() for f in forms):
            untranslated.append(message.id)
            continue
        try:
            python_format(catalog, found)
        except Exception as exc:  # babel's TranslationError: placeholders differ
            bad_format.append((message.id, str(exc)))
    assert (missing, untranslated, bad_format) == ([], [], []), lang


@pytest.mark.parametrize("lang", ["et", "lv", "lt"])
def test_compiled_catalog_is_the_translated_one(lang: str) -> None:
    tr = i18n.translator(lang)
    for message in read(lang):
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            shown = {tr.catalog.ngettext(singular, plural, n) for n in range(30)}
            forms = set(message.string) if isinstance(message.string, tuple | list) else set()
            assert shown == forms, f"run make messages: {lang} {singular!r}"
            continue
        msgid = str(message.id)
        if message.context:
            got_one = tr.catalog.pgettext(message.context, msgid)
        else:
            got_one = tr.catalog.gettext(msgid)
        assert got_one == message.string, f"run make messages: {lang} {message.id!r}"


def test_plural_rules_are_cldr() -> None:
    """Latvian has a zero form (0, 10, 20...), Lithuanian three forms, Estonian two."""
    assert read("lv").num_plurals == 3
    assert read("lt").num_plurals == 3
    assert read("et").num_plurals == 2
