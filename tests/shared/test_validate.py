"""The one id parser and the whole-number field: pure functions, in the fast tier."""

from __future__ import annotations

import pytest

from shared.errors import ValidationFailed
from shared.validate import MAX_ID, Fields, parse_id, whole_number

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
