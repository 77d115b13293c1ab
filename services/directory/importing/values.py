"""Values as readers find them, made into what the API takes: one rule for every format."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(/\S*)?$")
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_APPLE = re.compile(r"_\$!<(.+)>!\$_")
# Phone labels as programs write them (Apple's `_$!<Mobile>!$_`, Google's "Work Fax"),
# compared in lower case without spaces: the kind of number each means.
PHONE_LABELS = {
    "mobile": "cell",
    "iphone": "cell",
    "cell": "cell",
    "work": "work",
    "main": "work",
    "home": "home",
    "fax": "fax",
    "workfax": "fax",
    "homefax": "fax",
    "otherfax": "fax",
    "other": "voice",
    "pager": "voice",
}


def one_line(text: str) -> str:
    """A name or title on one line: line breaks, tabs and control characters become spaces."""
    if text.isprintable() and "  " not in text:
        return text.strip()
    return _SPACES.sub(" ", text).strip()


def web_address(value: str) -> str | None:
    """An http(s) URL (`www.norden.lt`, as Outlook and Google write it, gets `http://`), or
    None for what is not a web address (a `mailto:`, an `ftp:`, free text)."""
    value = value.strip()
    scheme = _SCHEME.match(value)
    if scheme is None:
        return f"http://{value}" if _HOST.match(value) else None
    return value if scheme.group(1).lower() in {"http", "https"} else None


def label_kind(label: str) -> str | None:
    """The phone kind a program's label names (`_$!<WorkFAX>!$_`, `Work Fax`), or None."""
    apple = _APPLE.fullmatch(label.strip())
    key = (apple.group(1) if apple else label).casefold()
    return PHONE_LABELS.get("".join(c for c in key if c.isalnum()))
