"""English left under another language, as the catalogs define it.

What counts as English is read from the catalogs themselves: every msgid (and plural) whose
translation in the language differs from it. A text node (or a title, label or alt) that is
a whole msgid, or that holds a run of three or more words of one (the words between its
placeholders) that its translation does not hold, is English left behind. Parts of a page
marked with another `lang` (a name in another language) and what no person reads (scripts,
styles) are not searched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from shared import i18n

PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%%|\{\w+\}")
TRIM = " \t\n.,:;!?()[]“”„\"'‘’–—-…/·|*"


@dataclass(frozen=True)
class English:
    """The catalog's English, as a language that translates it would not show it."""

    whole: frozenset[str]  # msgids without placeholders: a text node that is one of them
    runs: tuple[str, ...]  # three words or more of a msgid, its translation not holding them
    # A text that is a whole msgid with placeholders, filled ("No contact 999999.").
    filled: re.Pattern[str]

    def found_in(self, text: str) -> list[str]:
        said = " ".join(text.split())
        if not said:
            return []
        if said.strip(TRIM) in self.whole or self.filled.fullmatch(said.strip()):
            return [said]
        return [run for run in self.runs if _contains(said, run)]


def _pattern(msgid: str) -> str | None:
    """A msgid with placeholders as a pattern of its filled text, when its own words say
    enough (a word of three letters or more; "%(num)s s" does not)."""
    pieces = PLACEHOLDER.split(" ".join(msgid.split()))
    if len(pieces) < 2 or not re.search(r"[^\W\d_]{3}", "".join(pieces)):
        return None
    return ".+?".join(re.escape(piece) for piece in pieces)


def _contains(text: str, run: str) -> bool:
    at = text.find(run)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(run)] if at + len(run) < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        at = text.find(run, at + 1)
    return False


@cache
def english(lang: str) -> English:
    """What of the catalog of `lang` is English: msgids its translation says otherwise."""
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    whole: set[str] = set()
    runs: set[str] = set()
    patterns: set[str] = set()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        strings = [str(form) for form in forms if form]
        if len(strings) != len(forms):
            continue  # not translated (the catalog test says so)
        for msgid in ids:
            if msgid in strings:
                continue  # the same word in both languages ("OK", "CSV")
            pieces = [" ".join(p.split()).strip(TRIM) for p in PLACEHOLDER.split(msgid)]
            if len(pieces) == 1 and pieces[0] and not any(pieces[0] in s for s in strings):
                whole.add(pieces[0])
            for piece in pieces:
                if len(piece.split()) >= 3 and not any(piece in s for s in strings):
                    runs.add(piece)
            pattern = _pattern(msgid)
            written = [PLACEHOLDER.sub("X", " ".join(s.split())) for s in strings]
            if pattern and not any(re.fullmatch(pattern, t) for t in written):
                patterns.add(pattern)
    assert len(whole) > 200, (lang, len(whole))
    assert len(runs) > 300, (lang, len(runs))
    assert len(patterns) > 100, (lang, len(patterns))
    filled = re.compile("|".join(f"(?:{p})" for p in sorted(patterns)))
    return English(frozenset(whole), tuple(sorted(runs, key=len, reverse=True)), filled)


# What a person reads besides text: these attributes (the last ones, what console.js says),
# a button's value, and the texts of a script's `data-labels` (JSON).
READ_ATTRIBUTES = (
    "title",
    "aria-label",
    "alt",
    "placeholder",
    "data-message",
    "data-copied",
    "data-manual",
)
SILENT = {"script", "style", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class Reader(HTMLParser):
    """The texts of a page a person reads, each with whether it is in the page's language."""

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, lang, silent
        self.page_lang = lang
        self.texts: list[str] = []

    def _ours(self) -> bool:
        for _, lang, silent in reversed(self.stack):
            if silent:
                return False
            if lang is not None:
                return lang == self.page_lang
        return True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        lang = found.get("lang")
        if tag == "html" and lang:
            self.page_lang = lang
        if tag not in VOID:
            self.stack.append((tag, lang, tag in SILENT))
        own = lang is None or lang == self.page_lang
        if self._ours() and own:
            self.texts.extend(v for k, v in attrs if k in READ_ATTRIBUTES and v)
            labels = found.get("data-labels")
            if labels:
                self.texts.extend(_strings(json.loads(labels)))
            if tag == "input" and found.get("type") in {"submit", "button"} and found.get("value"):
                self.texts.append(found["value"] or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for at in range(len(self.stack) - 1, -1, -1):
            if self.stack[at][0] == tag:
                del self.stack[at:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and self._ours():
            self.texts.append(data)


def html_texts(page: str, lang: str) -> list[str]:
    reader = Reader(lang)
    reader.feed(page)
    reader.close()
    return reader.texts


def _strings(value: object) -> Iterator[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
