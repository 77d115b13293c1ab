"""Every text the console shows exists in all four languages, and every one is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.console.labels import KEYS, LABELS
from shared.i18n import LANGUAGES

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`

TEMPLATES = Path(__file__).resolve().parents[2] / "services" / "console" / "templates"


def test_every_language_has_every_label() -> None:
    assert set(LABELS) == set(LANGUAGES)
    for lang, texts in LABELS.items():
        assert set(texts) == set(KEYS), lang
        assert all(value.strip() for value in texts.values()), lang


def test_templates_use_only_labels_that_exist() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\.([a-z_]+)", text))
        used |= set(re.findall(r"\bt\['([a-z_]+)'\]", text))
    assert used - set(KEYS) == set()


def test_placeholders_match_across_languages() -> None:
    for key in KEYS:
        fields = {lang: set(re.findall(r"\{(\w+)\}", LABELS[lang][key])) for lang in LANGUAGES}
        assert len({frozenset(f) for f in fields.values()}) == 1, (key, fields)
