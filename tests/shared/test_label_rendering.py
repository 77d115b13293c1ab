"""Every label of every service renders as its text through the service's own templates."""

from __future__ import annotations

import pytest
from markupsafe import escape

from services.console import labels as console_labels
from services.console.pages import TEMPLATES as CONSOLE
from services.directory import labels as directory_labels
from services.directory.pages import TEMPLATES as DIRECTORY
from services.mailing import labels as mailing_labels
from services.mailing.subscriptions import PAGES as MAILING
from shared.i18n import LANGUAGES

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`

SERVICES = {
    "console": (CONSOLE, console_labels),
    "directory": (DIRECTORY, directory_labels),
    "mailing": (MAILING, mailing_labels),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_label_key_renders_as_its_text_in_every_language(service: str) -> None:
    environment, module = SERVICES[service]
    keys = sorted(module.LABELS["en"])
    # One template naming every key the way pages do (`t.copy`), rendered once per language.
    template = environment.from_string("\x1f".join(f"{{{{ t.{key} }}}}" for key in keys))
    for lang in LANGUAGES:
        texts = module.labels(lang)
        rendered = template.render(t=texts).split("\x1f")
        wrong = {k: r for k, r in zip(keys, rendered, strict=True) if r != escape(texts[k])}
        assert not wrong, (lang, wrong)
