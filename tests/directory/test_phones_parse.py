"""Phone numbers read as people write them, without a database (E.164, RFC 3966 extensions)."""

from __future__ import annotations

import pytest

from services.directory.phones import dialable, read_number, read_phones
from shared.i18n import translator
from shared.validate import Fields

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("written", "region", "e164", "extension", "mobile"),
    [
        ("5555 1234", "EE", "+37255551234", None, True),  # national, in the network's country
        ("+372 7423 625", None, "+3727423625", None, False),
        ("8 5 200 0009", "LT", "+37052000009", None, False),  # Lithuania's trunk prefix 8
        ("(8-5) 2000009 ext. 5", "LT", "+37052000009", "5", False),
        ("6722 1234 x12", "LV", "+37167221234", "12", False),
        ("+371 2123 4567;ext=89", "EE", "+37121234567", "89", True),  # RFC 3966's way
    ],
)
def test_numbers_are_read_in_their_country(
    written: str, region: str | None, e164: str, extension: str | None, mobile: bool
) -> None:
    number = read_number(written, region)
    assert (number.e164, number.extension, number.mobile) == (e164, extension, mobile)


@pytest.mark.parametrize(
    ("written", "reason"),
    [("helista Madisele", "is not a phone number"), ("+372 123", "not a valid phone number")],
)
def test_what_cannot_be_dialled_says_why(written: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        read_number(written, "EE")


def test_dialable_is_rfc_3966_without_the_scheme() -> None:
    assert dialable({"e164": "+37052000009", "extension": "5"}) == "+37052000009;ext=5"
    assert dialable({"e164": "+3727423625", "extension": None}) == "+3727423625"
    assert dialable({"e164": None, "written": "helista Madisele"}) is None


def test_a_field_of_several_numbers_is_split_merged_and_kept() -> None:
    fields = Fields(
        {
            "phones": [
                "+372 7423 625, +372 5555 1234",  # two numbers in one cell
                {"number": "7423 625", "kind": "voice"},  # the first again, labelled
                "helista Madisele",
            ]
        }
    )
    phones, notes = read_phones(fields, "EE", True, {})
    assert fields.errors == []
    assert [(p.e164, p.kind) for p in phones] == [
        ("+3727423625", "voice"),  # one entry, the kind its label gave
        ("+37255551234", "cell"),
        (None, "work"),  # kept as written, with a note
    ]
    assert [note.field for note in notes] == ["phones[1].number", "phones[2].number"]
    assert notes[0].text() == "'7423 625' is listed twice; merged"
    # In the reader's language, the number as written kept as it is.
    assert notes[1].text(translator("lv")) == (
        "'helista Madisele' ir saglabāts, kā uzrakstīts: tas nav tālruņa numurs, uz kuru var zvanīt"
    )


def test_outside_an_import_an_unreadable_number_is_an_error_on_its_field() -> None:
    fields = Fields({"phones": ["+372 7423 625", "helista Madisele"]})
    phones, _ = read_phones(fields, "EE", False, {})
    assert [p.e164 for p in phones] == ["+3727423625"]
    assert [error.field for error in fields.errors] == ["phones[1].number"]
