"""The one id parser, the whole-number field and the one name rule: pure functions, fast tier."""

from __future__ import annotations

import pytest

from shared.errors import ValidationFailed
from shared.validate import MAX_ID, NAME_INVISIBLE, Fields, parse_id, person_name, whole_number

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("0042", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 400, None),  # never a huge int() to parse
        ("", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("٣", None),  # Arabic-Indic three: int() would read it
        ("abc", None),
    ],
)
def test_parse_id(raw: str, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_whole_numbers_from_a_query_string_or_json() -> None:
    f = Fields({"a": "7", "b": 7, "c": "", "d": "0", "e": True, "g": "²", "h": 3.5})
    assert f.whole("a", low=1, high=10) == 7
    assert f.whole("b", low=1, high=10) == 7
    assert f.whole("c", low=1, high=10, default=5) == 5  # an empty query value: the default
    assert f.whole("missing", low=1, high=10, default=5) == 5
    for name in ("d", "e", "g", "h"):
        assert f.whole(name, low=1, high=10, default=5) == 5
    with pytest.raises(ValidationFailed) as failed:
        f.done()
    assert [e.field for e in failed.value.errors] == ["d", "e", "g", "h"]


def test_a_whole_number_is_a_json_integer_and_no_bool() -> None:
    # One rule for every revision a body carries (directory, lists, campaigns) and the
    # introspection answer's numbers.
    assert [whole_number(v) for v in (3, 0, True, False, 3.0, "3", None)] == [
        3,
        0,
        None,
        None,
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Ona Kisevičienė", "Ona Kisevičienė"),
        ("Daina Mežecka", "Daina Mežecka"),
        ("Madis Jõemets", "Madis Jõemets"),
        ("Kisevic\u030ciene\u0307", "Kisevičienė"),  # decomposed, as a Mac may send it
        ("  Madis \u00a0 Jõemets ", "Madis Jõemets"),  # any spaces, folded into one
        ("فاطمه\u200cزهرا", "فاطمه\u200cزهرا"),  # ZWNJ spells a Persian name
        ("Mari \U0001f469\u200d\U0001f4bb", "Mari \U0001f469\u200d\U0001f4bb"),  # ZWJ emoji
        ("", ""),
    ],
)
def test_a_name_keeps_its_letters_diacritics_and_joiners(raw: str, kept: str) -> None:
    assert person_name(raw) == (kept, None)


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\x07",
        "\t",
        "\n",
        "\r",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9b",
        "\u2028",
        "\u2029",
        "\u200b",
        "\u200e",
        "\u200f",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u061c",
        "\ufeff",
        "\ud800",
    ],
)
def test_a_name_with_a_control_or_invisible_character_is_refused(char: str) -> None:
    shown, refused = person_name(f"Anna {char}Kisevičienė")
    assert refused is not None
    assert (refused.field, refused.message) == ("name", NAME_INVISIBLE)
    # What a form shows again: the name without it (a line break or tab was a space).
    assert shown == "Anna Kisevičienė"


def test_a_name_is_at_most_200_characters_counted_after_folding() -> None:
    assert person_name("Ž" * 200) == ("Ž" * 200, None)
    assert person_name("Ž" * 100 + "  " + "Ž" * 99)[1] is None
    refused = person_name("Ž" * 201)[1]
    assert refused is not None
    assert refused.values == {"num": 200}


def test_fields_name_names_the_field_it_refuses() -> None:
    f = Fields({"given_name": "Ona\u202e", "family_name": "  Kisevičienė ", "bad": 3})
    assert f.name("given_name") is None
    assert f.name("family_name") == "Kisevičienė"
    assert f.name("bad") is None
    assert f.name("missing", required=True) is None
    assert [(e.field, e.message) for e in f.errors] == [
        ("given_name", NAME_INVISIBLE),
        ("bad", "must be a string"),
        ("missing", "is required"),
    ]
