"""Every text marked in the code and templates is translated in et, lv and lt, every plural form."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.checkers import python_format
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from shared import i18n
from shared.validate import Fields

pytestmark = pytest.mark.fast  # files only: `make test-fast`

ROOT = Path(__file__).resolve().parents[2]


def keywords() -> dict[str, Any]:
    """gettext's names and the Makefile's BABEL_KEYWORDS (`name` or `name:2` or `name:1c,2`)."""
    make = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = next(li for li in make.splitlines() if li.startswith("BABEL_KEYWORDS :="))
    found: dict[str, Any] = dict(DEFAULT_KEYWORDS)
    for spec in line.split(":=", 1)[1].split():
        name, _, args = spec.partition(":")
        found[name] = parse_keyword_args(args) if args else None
    return found


def parse_keyword_args(args: str) -> tuple[object, ...]:
    """`2` -> (2,), `1c,2` -> ((1, "c"), 2), as Babel's extractors take them."""
    return tuple((int(a[:-1]), "c") if a.endswith("c") else int(a) for a in args.split(","))


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """What `make messages` extracts today, straight from the code and templates."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    catalog = Catalog()
    for _, _, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords()
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


SENT = (
    "%(num)s message sent between %(first)s and %(last)s",
    "%(num)s messages sent between %(first)s and %(last)s",
)


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        ("en", {1: "1 message sent", 2: "2 messages sent", 1000: "1,000 messages sent"}),
        ("et", {1: "1 kiri saadetud", 2: "2 kirja saadetud", 21: "21 kirja saadetud"}),
        # Latvian: 1, 21, 101 take the singular; 11 and 10 do not.
        ("lv", {1: "1 vēstule nosūtīta", 21: "21 vēstule nosūtīta", 11: "11 vēstules nosūtītas"}),
        # Lithuanian: one (1, 21), few (2-9, 22...), other (10-20, 0).
        ("lt", {1: "1 laiškas išsiųstas", 2: "2 laiškai išsiųsti", 12: "12 laiškų išsiųsta"}),
    ],
)
def test_counts_take_the_languages_plural_form(lang: str, counts: dict[int, str]) -> None:
    tr = i18n.translator(lang)
    for num, start in counts.items():
        assert tr.ngettext(*SENT, num, first="1.3.", last="2.3.").startswith(start), (lang, num)


def test_numbers_and_dates_are_written_the_locales_way() -> None:
    when = datetime.datetime(2026, 3, 4, 13, 5, tzinfo=datetime.UTC)
    assert i18n.translator("et").number(12345.5) == "12\xa0345,5"
    assert i18n.translator("lt").date(when, "long") == "2026 m. kovo 4 d."
    assert "13:05" in i18n.translator("lv").datetime(when, "short")
    assert (
        i18n.translator("en").datetime(when, "short", zone="Europe/Riga").endswith("3:05\u202fPM")
    )


def test_a_field_errors_count_takes_the_plural_form() -> None:
    fields = Fields({"name": "x" * 300, "tags": list(range(22))})
    fields.text("name", max_length=254)
    fields.items("tags", max_items=21)
    lt, lv = i18n.translator("lt"), i18n.translator("lv")
    assert [e.text(lt) for e in fields.errors] == [
        "gali būti ne daugiau kaip 254 simboliai",
        "gali turėti ne daugiau kaip 21 elementą",
    ]
    assert [e.text(lv) for e in fields.errors][1] == "drīkst saturēt ne vairāk kā 21 elementu"


def _texts(catalog: Catalog) -> list[tuple[Any, str | None, str]]:
    """(msgid, context, every translated form joined) of each message."""
    found = []
    for message in catalog:
        if message.id:
            forms = message.string if isinstance(message.string, tuple | list) else [message.string]
            found.append((message.id, message.context, " | ".join(f or "" for f in forms)))
    return found


# A word never used, by language: the glossary's "not" column and the register (formal "you").
WRONG = {
    "et": r"\b(sa|sina|sinu|sul|sind|sulle|sinult|su)\b",
    "lv": r"\b(tu|tev|tevi|tavs|tava|tavu|tavā)\b",
    "lt": r"\b(tu|tau|tave|tavo)\b|rinkėj",
}


def glossary() -> dict[str, dict[str, str]]:
    """docs/glossary.md's table: each English term's word per language (its first form)."""
    rows: dict[str, dict[str, str]] = {}
    for line in (ROOT / "docs" / "glossary.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] not in {"term (en)", ""} and not cells[0].startswith("-"):
            rows[cells[0]] = dict(zip(("et", "lv", "lt"), cells[2:5], strict=True))
    return rows


def stem(word: str) -> str:
    """The glossary's word as it starts in every case: its last word without the ending."""
    first = re.split(r"[;,(]", word)[0].strip()
    head, _, last = first.rpartition(" ")
    return f"{head} {last[:-2]}".strip().lower()


# A text about the name of a thing (the glossary's "name (of a newsletter, a token, a link)"),
# not of a person: "the organisation's name", "names of networks", "Its name" (an organisation).
THING_NAME = re.compile(
    r"\b(organisation|newsletter|list|token|link|network|campaign)(?:'s)? names?\b"
    r"|\bnames? of (?:the |a |an |this |its )?(organisation|newsletter|list|token|link|network)"
    r"|\bIts name\b",
    re.IGNORECASE,
)

# What a suppression is called (the glossary's "suppression list"), where a text speaks of one:
# "Suppress", "Suppressed", "not suppressed" as much as "the suppression list".
SUPPRESSION = {lang: stem(word) for lang, word in glossary()["suppression list"].items()}


def test_the_glossary_names_the_suppression_list_in_each_language() -> None:
    assert SUPPRESSION == {
        "et": "saatmiskeelu nimeki",
        "lv": "nosūtīšanas aizlieguma saraks",
        "lt": "nesiuntimo sąraš",
    }


@pytest.mark.parametrize("lang", ["et", "lv", "lt"])
def test_the_glossarys_words_and_the_formal_register(lang: str) -> None:
    wrong = re.compile(WRONG[lang], re.IGNORECASE)
    for msgid, context, text in _texts(read(lang)):
        assert not wrong.search(text), (lang, msgid, text)
        english = msgid if isinstance(msgid, str) else msgid[0]
        if context == "a thing's name" or THING_NAME.search(english):
            # A thing's name is lv "nosaukums", lt "pavadinimas": never a person's first name.
            assert not re.search(r"vārd|vard", text, re.IGNORECASE), (lang, msgid, text)
        if re.search(r"suppress", english, re.IGNORECASE):
            assert SUPPRESSION[lang] in text.lower(), (lang, msgid, text)
            assert not re.search(r"blok|bloķ", text, re.IGNORECASE), (lang, msgid, text)


def test_english_left_under_another_language_is_found_from_the_catalog() -> None:
    """The check of tests/console/test_no_english_left.py: the catalog's English, whole or a
    run of its words, is found; the translation, data and a word both languages share are not."""
    from tests.support.english import english, html_texts

    lv = english("lv")
    assert lv.found_in("Sign in") == ["Sign in"]
    assert lv.found_in("  Pieteikties ") == []
    assert lv.found_in("Oops. The address could not be shown. Please reload the page.")
    assert lv.found_in("Adresi nevarēja parādīt. Lūdzu, pārlādējiet lapu.") == []
    assert lv.found_in("Daina Mežecka, Rīgas dome") == []
    assert lv.found_in("No contact 999999.") == ["No contact 999999."]  # a msgid, filled
    assert lv.found_in("Kontakta 999999 nav.") == []
    page = (
        '<html lang="lv"><title>Pieteikties</title><p title="Sign in">Pieteikties</p>'
        '<span lang="en">Riga City Council</span><script>var x = "Sign in";</script>'
        '<button aria-label="Remove from the list">X</button></html>'
    )
    found = [t for t in html_texts(page, "lv") if lv.found_in(t)]
    assert found == ["Sign in", "Remove from the list"]


def test_a_date_given_to_a_message_is_written_the_languages_way() -> None:
    """Messages (pages, mails, problem details) are given datetimes, never dates already
    written: each language writes them by CLDR, in the value's own zone, naming it."""
    from zoneinfo import ZoneInfo

    riga = datetime.datetime(2026, 3, 4, 15, 5, tzinfo=ZoneInfo("Europe/Riga"))
    past = "is in the past (%(time)s); choose a later time"
    assert i18n.translator("lv").gettext(past, time=riga) == (
        "ir pagātnē (2026. gada 4. marts 15:05 Europe/Riga); izvēlieties vēlāku laiku"
    )
    assert i18n.translator("et").gettext(past, time=riga.replace(tzinfo=None)) == (
        "on minevikus (4. märts 2026 15:05); valige hilisem aeg"
    )
    offset = riga.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert i18n.translator("lt").gettext(past, time=offset) == (
        "yra praeityje (2026-03-04 15:05 GMT+02:00); pasirinkite vėlesnį laiką"
    )


def _literal_messages() -> list[tuple[str, int, str, str | None]]:
    """(file, line, msgid, context) of every literal text handed to a keyword of the Makefile,
    read from the code's syntax tree: also those Babel's extractor does not see (a call inside
    another keyword's call)."""
    import ast

    found = []
    specs = keywords()
    for path in sorted([*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in specs:
                continue
            spec = specs[name] or (1,)
            where = [p for p in spec if isinstance(p, int)]
            context_at = next((p[0] for p in spec if isinstance(p, tuple)), None)
            if not where or len(node.args) < where[0]:
                continue
            message = node.args[where[0] - 1]
            context = node.args[context_at - 1] if context_at else None
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                said = context.value if isinstance(context, ast.Constant) else None
                said = said if isinstance(said, str) else None
                if message.value:
                    found.append((str(path.relative_to(ROOT)), node.lineno, message.value, said))
    return found


def test_every_literal_message_in_the_code_is_in_the_catalogs() -> None:
    """A msgid the extractor misses is English in every language (17 field refusals were,
    inside `ValidationFailed([FieldError(...)])`)."""
    with (i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot").open("rb") as fh:
        template = read_po(fh)
    messages = _literal_messages()
    assert len(messages) > 500
    missing = [m for m in messages if template.get(m[2], m[3]) is None]
    assert missing == [], "run make messages (and check the Makefile's BABEL_KEYWORDS)"
