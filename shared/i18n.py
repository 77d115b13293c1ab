"""The languages Kontakt speaks, and how a text is picked from a per-language mapping."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "et", "lv", "lt")
FALLBACK = "en"


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
    """The first of our languages named in an Accept-Language header."""
    if not accept_language:
        return default
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.strip().lower().split("-")[0]))
    for _, tag in sorted(weighted, key=lambda w: -w[0]):
        if tag in LANGUAGES:
            return tag
    return default
