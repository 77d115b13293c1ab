"""An API field path as a coordinator reads it: its label, which item, or a file's line."""

from __future__ import annotations

import pytest

from services.console.backend import field_labels, field_name

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`


@pytest.mark.parametrize(
    ("path", "lang", "shown"),
    [
        ("emails[1]", "lv", "E-pasta adreses 2"),
        ("email", "et", "E-post"),
        ("line 12", "en", "line 12"),
        ("line 12", "et", "rida 12"),
        ("line 7", "lv", "7. rinda"),
        ("line 3", "lt", "3 eilutė"),
        ("no_such_field", "lt", ""),
    ],
)
def test_a_field_path_is_named_in_the_readers_words(path: str, lang: str, shown: str) -> None:
    assert field_name(path, lang) == shown


def test_the_scripts_get_the_line_words_to_fill_in() -> None:
    """The import report's script names `line N` from the same catalog as the page."""
    assert field_labels("lv")["line %(number)s"] == "%(number)s. rinda"
