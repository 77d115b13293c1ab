"""HTML templates as every service renders them: every value escaped, no silent blanks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2


class Texts(dict[str, str]):
    """A language's labels: in a template, `t.copy` is the label "copy", never `dict.copy`."""


class _Environment(jinja2.Environment):
    """Jinja looks attributes up before keys; for labels, the key must win."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Jinja's own order finds `dict.copy`, `dict.items`... before a label of that name,
        # and prints "<built-in method ...>" where the word should be.
        if isinstance(obj, Texts) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def page_templates(folder: Path) -> jinja2.Environment:
    """The templates in `folder`, autoescaped; an undefined name is an error, not ''."""
    return _Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
