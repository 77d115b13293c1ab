"""Subscriber CSV as spreadsheets and other programs save it, read or refused with the reason."""

from __future__ import annotations

import pytest

from services.mailing.subscriber_csv import decode, language, read
from shared.errors import BadRequest

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`

# (what the file is, its text, the rows read as (row number, e-mail, name))
READ = [
    # Excel's `sep=` line names the separator; the header below it is row 1.
    ("excel sep line", "sep=;\r\nemail;name\r\nx@example.ee;X\r\n", [(2, "x@example.ee", "X")]),
    # A header cell holding the other separator, quoted or not, does not win the count.
    (
        "lv name with comma, quoted",
        '"Vārds, uzvārds";E-pasts\r\nMežecka;m@example.lv\r\n',
        [(2, "m@example.lv", "Mežecka")],
    ),
    (
        "lv name with comma, bare",
        "Vārds, uzvārds;E-pasts\r\nMežecka;m@example.lv\r\n",
        [(2, "m@example.lv", "Mežecka")],
    ),
    # Lithuanian and Estonian spellings people use, given and family names in two columns.
    (
        "lt e. paštas, vardas, pavardė",
        "E. paštas;Vardas;Pavardė\r\nz@example.lt;Žydrūnė;Kisevičienė\r\n",
        [(2, "z@example.lt", "Žydrūnė Kisevičienė")],
    ),
    (
        "lt e-paštas",
        "E-paštas;Vardas\r\nz@example.lt;Žydrūnė\r\n",
        [(2, "z@example.lt", "Žydrūnė")],
    ),
    (
        "lv vārds, uzvārds",
        "Vārds;Uzvārds;E-pasts\r\nAnna;Mežecka;m@example.lv\r\n",
        [(2, "m@example.lv", "Anna Mežecka")],
    ),
    (
        "et eesnimi, perekonnanimi",
        "Eesnimi;Perekonnanimi;Meil\r\nMari;Jõemets;j@example.ee\r\n",
        [(2, "j@example.ee", "Mari Jõemets")],
    ),
    (
        "a newsletter service's export",
        "Email Address,First Name,Last Name\r\nj@example.ee,Mari,Jõemets\r\n",
        [(2, "j@example.ee", "Mari Jõemets")],
    ),
    (
        "a full name wins over its parts",
        "Email,Full name,First name,Last name\r\nj@example.ee,Dr Mari Jõemets,Mari,Jõemets\r\n",
        [(2, "j@example.ee", "Dr Mari Jõemets")],
    ),
    ("tab", "E-pasts\tVārds\nm@example.lv\tMežecka\n", [(2, "m@example.lv", "Mežecka")]),
    # Excel for Mac's "CSV (Macintosh)": a carriage return alone ends each row.
    (
        "cr line ends",
        "email;name\rx@example.ee;X\rbad;Y\r",
        [(2, "x@example.ee", "X"), (3, "bad", "Y")],
    ),
    # A carriage return inside a quoted cell (tried with another separator, it is unquoted).
    (
        "cr in a quoted cell",
        'email,name\r\nx@example.ee,"\r=1+1"\r\n',
        [(2, "x@example.ee", "=1+1")],
    ),
    # A title and a blank row above the header: rows keep the numbers the spreadsheet shows.
    (
        "title rows",
        "Liikmed 2025;;\r\n;;\r\nE-post;Nimi;Keel\r\nx@example.ee;X;et\r\nbad;Y;et\r\n",
        [(4, "x@example.ee", "X"), (5, "bad", "Y")],
    ),
]


@pytest.mark.parametrize(("text", "rows"), [c[1:] for c in READ], ids=[c[0] for c in READ])
def test_what_spreadsheets_save_is_read(text: str, rows: list[tuple[int, str, str]]) -> None:
    found = [(n, r["email"], r.get("name", "")) for n, r in read(decode(text.encode()))]
    assert found == rows


SAMPLE = "email,name\r\nx@example.ee,Jõemets\r\n"
REFUSED = [
    ("utf-16", "UTF-16,"),
    ("utf-16-le", "UTF-16LE (without a byte-order mark)"),
    ("utf-16-be", "UTF-16BE (without a byte-order mark)"),
    ("utf-32", "UTF-32,"),
    ("utf-32-le", "UTF-32LE (without a byte-order mark)"),
    ("utf-32-be", "UTF-32BE (without a byte-order mark)"),
    ("cp1257", "Windows-1257"),
]


@pytest.mark.parametrize(("encoding", "named"), REFUSED, ids=[c[0] for c in REFUSED])
def test_other_encodings_are_refused_with_their_name(encoding: str, named: str) -> None:
    with pytest.raises(BadRequest) as refused:
        decode(SAMPLE.encode(encoding))
    assert named in str(refused.value)


def test_an_empty_file_is_asked_for_its_header() -> None:
    with pytest.raises(BadRequest, match="header row"):
        list(read(decode(b"")))


LANGUAGES = [
    ("et", "et"), ("ET", "et"), ("lv-LV", "lv"), ("lt_LT", "lt"), ("EST", "et"),
    ("Eesti", "et"), ("igauņu", "et"), ("Latviešu", "lv"), ("läti", "lv"), ("Lietuvių", "lt"),
    ("leedu", "lt"), ("English", "en"), ("angļu", "en"),
    ("ee", "ee"), ("klingon", "klingon"),  # named nothing we speak: refused by the import
]  # fmt: skip


@pytest.mark.parametrize(("cell", "code"), LANGUAGES)
def test_language_cells_as_people_write_them(cell: str, code: str) -> None:
    assert language(cell) == code


def test_a_row_the_csv_module_cannot_read_is_named() -> None:
    # An unclosed quote swallows the rest of the file into one cell, past the csv limit.
    text = 'email,name\r\nx@example.ee,X\r\ny@example.ee,"' + "z" * 200_000 + "\r\n"
    with pytest.raises(BadRequest, match="Row 3 cannot be read as CSV"):
        list(read(text))


def test_the_csv_modules_refusal_is_said_in_the_readers_language() -> None:
    """The csv module speaks English ("field larger than field limit (131072)"): what it means
    fills the refusal as a translated word."""
    from shared import i18n

    text = 'email,name\r\nx@example.ee,X\r\ny@example.ee,"' + "z" * 200_000 + "\r\n"
    with pytest.raises(BadRequest) as refused:
        list(read(text))
    said = refused.value.detail_in(i18n.translator("lv"))
    assert said == (
        "3. rindu nevar nolasīt kā CSV: šūna ir garāka par atļauto, iespējams, nav aizvērtas "
        "pēdiņas."
    )
