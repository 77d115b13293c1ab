"""Every reader on cut, garbled and oversized files: rows (good or rejected with a line) or a
problem about the whole file (BadRequest, TooLarge), never any other exception."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest

from services.directory.importing.apply import _numbered, slugify
from services.directory.importing.csv_rows import CsvReader
from services.directory.importing.rows import LINE_LIMIT, Row, TooLarge
from services.directory.importing.run import reader_for
from services.directory.importing.vcard import VcardReader
from shared.errors import BadRequest

CORPUS = Path(__file__).resolve().parents[1] / "samples" / "imports"
EXPORT = json.dumps(
    {
        "networks": [{"slug": "lt", "names": {"lt": "Lietuva"}, "default_lang": "lt"}],
        "organisations": [{"slug": "maxima", "names": {"lt": "Maxima"}}],
        "contacts": [
            {"given_name": "Aistė", "networks": ["lt"], "organisation": {"slug": "maxima"}},
            {"given_name": "Jonas", "titles": {"lt": "Vadovas"}, "phones": ["+370 5 200 0009"]},
        ],
    },
    ensure_ascii=False,
).encode()
FILES = {
    "vcard": [p.read_bytes() for p in sorted(CORPUS.glob("*.vcf"))],
    "csv": [p.read_bytes() for p in sorted(CORPUS.glob("*.csv"))],
    "json": [EXPORT],
}
WIDE = ("utf-16-le", "utf-16-be", "utf-32-le")


def garbled(rng: random.Random, data: bytes) -> bytes:
    """The file cut somewhere, bytes flipped, inserted or removed, as a broken copy has it."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        how = rng.choice(("cut", "flip", "insert", "delete", "wide", "odd"))
        at = rng.randrange(len(out) + 1)
        if how == "cut":
            del out[at:]
        elif how == "flip" and at < len(out):
            out[at] = rng.randrange(256)
        elif how == "insert":
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif how == "delete":
            del out[at : at + rng.randint(1, 8)]
        elif how == "wide":
            out = bytearray(bytes(out).decode("utf-8", "replace").encode(rng.choice(WIDE)))
        elif how == "odd" and out:
            del out[-1]  # an odd byte count in a wide file
    return bytes(out)


def read_all(fmt: str, data: bytes, rng: random.Random, limit: int = 1 << 24) -> list[Row]:
    """The rows of a file fed in pieces of random sizes."""
    reader = reader_for(fmt, limit, rng.choice((None, "utf-8", "windows-1257", "x-bogus")))
    rows: list[Row] = []
    at = 0
    while at < len(data):
        size = rng.randint(1, 4096)
        rows.extend(reader.feed(data[at : at + size]))
        at += size
    rows.extend(reader.close())
    return rows


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_garbled_files_give_rows_or_a_problem_never_an_exception(fmt: str) -> None:
    rng = random.Random(f"garbled-{fmt}")  # fixed: a failure is reproduced by its seed
    for _ in range(150):
        data = garbled(rng, rng.choice(FILES[fmt]))
        try:
            rows = read_all(fmt, data, rng)
        except (BadRequest, TooLarge):
            continue
        for row in rows:
            assert isinstance(row.data, dict)
            assert row.number >= 0  # 0: the file as a whole (no card in it)
            for error in row.errors:
                assert error.message


def test_a_cell_beyond_the_csv_module_limit_rejects_its_row_only() -> None:
    rng = random.Random(1)
    body = (
        "given_name,family_name,emails\r\n"
        f"Aistė,{'K' * 200_000},a@example.lt\r\n"
        'Jonas,"Jonaitis",j@example.lt\r\n'
    ).encode()
    rows = read_all("csv", body, rng)
    assert [(r.line, bool(r.errors)) for r in rows] == [(2, True), (3, False)]
    assert "longer than" in rows[0].errors[0].message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_wide_file_with_an_odd_byte_count_keeps_its_rows(encoding: str) -> None:
    body = "Vardas;Pavardė\r\nAistė;Kiseliūnienė\r\nJonas;Jonaitis".encode(encoding)[:-1]
    rows = read_all("csv", body, random.Random(2))
    assert [r.data.get("given_name") for r in rows] == ["Aistė", "Jonas"]
    assert not rows[0].errors


ENDLESS = 60 * 2**20  # one line of 60 MB, as a broken export (or a hostile file) has it


@pytest.mark.parametrize(
    ("fmt", "head", "tail", "rejected"),
    [
        (
            "vcard",
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Aistė Kiseliūnienė\r\nEND:VCARD\r\n".encode()
            + b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jonas Jonaitis\r\nNOTE:",
            "\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eglė\r\nEND:VCARD\r\n".encode(),
            8,
        ),
        (
            "csv",
            "First Name,Last Name,E-mail Address\r\nAistė,K,a@example.lt\r\nJonas,".encode(),
            ",j@example.lt\r\nEglė,P,e@example.lt\r\n".encode(),
            3,
        ),
    ],
)
def test_an_endless_line_rejects_its_card_and_the_rest_is_read(
    fmt: str, head: bytes, tail: bytes, rejected: int
) -> None:
    """The line is dropped as it arrives (never gathered: each piece costs what a piece
    costs, so the service goes on answering), its card or row rejected with its line."""
    reader = reader_for(fmt, 1 << 27)
    piece = 64 * 1024
    rows = reader.feed(head)
    filler = b"x" * piece
    for _ in range(ENDLESS // piece):
        rows += reader.feed(filler)
        if isinstance(reader, VcardReader):
            held = reader.lines.carry
        else:
            assert isinstance(reader, CsvReader)
            held = reader.carry
        assert len(held) <= LINE_LIMIT + piece, len(held)
    rows += reader.feed(tail)
    rows += reader.close()
    assert [(r.line, [e.field for e in r.errors]) for r in rows] == [
        (rows[0].line, []),
        (rows[1].line, [f"line {rejected}"]),
        (rows[2].line, []),
    ]
    assert rows[1].errors[0].values == {"limit": LINE_LIMIT}


@pytest.mark.fast
def test_every_organisation_slug_and_its_numbered_forms_keep_the_rule() -> None:
    rng = random.Random("slugs")
    words = ["Vilniaus", "miesto", "savivaldybės", "Socialinės", "paramos", "skyrius", "-",
             "Ł", "ß", "Ø", "&", "Рига", "A", "SIA", "„Tėvynė“", "1", "22", " ", "---"]  # fmt: skip
    rule = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
    for _ in range(3000):
        name = " ".join(rng.choice(words) for _ in range(rng.randint(1, 14)))
        base = slugify(name)
        forms = [*itertools.islice(_numbered(base), 12)]
        forms.append(next(itertools.islice(_numbered(base), 12345, None)))
        for slug in forms:
            assert rule.fullmatch(slug), (name, slug)
            assert len(slug) <= 64, (name, slug)
        assert len(set(forms)) == len(forms), name
    assert slugify("Straße Łódź Ørsted") == "strasse-lodz-orsted"


@pytest.mark.fast
@pytest.mark.parametrize(
    "preamble",
    [
        "sep=;\r\n",  # Excel's own first line, so that Excel opens it with the right separator
        '"sep=;"\r\n',
        "Kontaktai 2026-12\r\n\r\n",  # a title row (and a blank one) above the header
        "sep=;\r\nFOR-IN kontaktai;;;\r\n",
    ],
)
def test_excel_sep_line_and_a_title_row_above_the_header(preamble: str) -> None:
    body = (
        preamble + "Vardas;Pavardė;El. paštas\r\n"
        "Aistė;Kiseliūnienė;aiste@example.lt\r\nJonas;Jonaitis;jonas@example.lt\r\n"
    ).encode()
    rows = read_all("csv", body, random.Random(3))
    assert [(r.data.get("given_name"), r.data.get("emails"), r.errors) for r in rows] == [
        ("Aistė", ["aiste@example.lt"], []),
        ("Jonas", ["jonas@example.lt"], []),
    ]


@pytest.mark.fast
def test_an_agent_card_inside_a_21_card_and_names_listed_with_commas() -> None:
    """Windows Contacts' 2.1 AGENT holds the assistant's whole card: the outer card is read
    (AGENT noted as dropped), the inner one is no card of its own; 3.0 and 4.0 N components
    list several names with commas (RFC 6350 6.2.2), an escaped comma is kept."""
    agent = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Kiseliūnienė;Aistė\r\nFN:Aistė Kiseliūnienė\r\n"
        "AGENT:\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nN:Jonaitis;Jonas\r\nFN:Jonas Jonaitis\r\n"
        "TEL;WORK:+370 5 200 0009\r\nEND:VCARD\r\n"
        "EMAIL;INTERNET:aiste@example.lt\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Kisevičienė-Mežecka;Žydrūnė,Ieva;;;\r\n"
        "FN:Žydrūnė Ieva Kisevičienė-Mežecka\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:O\\;Brien;Ann\\, Marie;;;\r\nFN:Ann O'Brien\r\n"
        "END:VCARD\r\n"
    ).encode()
    rows = read_all("vcard", agent, random.Random(4))
    assert [(r.data.get("family_name"), r.data.get("given_name"), r.errors) for r in rows] == [
        ("Kiseliūnienė", "Aistė", []),
        ("Kisevičienė-Mežecka", "Žydrūnė Ieva", []),
        ("O;Brien", "Ann, Marie", []),
    ]
    assert rows[0].data["emails"] == ["aiste@example.lt"]
    assert rows[0].data["phones"] == []
    assert rows[0].dropped == ["related_people"]


@pytest.mark.fast
def test_json_items_are_named_as_people_see_them() -> None:
    """A contact given only its names (as an API client writes it) is named in the report."""
    body = json.dumps(
        [{"given_name": "Aistė", "family_name": "Kiseliūnienė", "networks": ["lt"]}, {"x": 1}],
        ensure_ascii=False,
    ).encode()
    rows = read_all("json", body, random.Random(5))
    assert [r.name for r in rows] == ["Aistė Kiseliūnienė", None]
    # Each item with the line it starts on, as in `kontakt export`'s indented document.
    export = json.dumps(
        {
            "networks": [{"slug": "lt", "names": {"lt": "Lietuva"}}],
            "contacts": [
                {"given_name": "Aistė", "titles": {"lt": "a, [b]"}},
                {"given_name": "Jonas"},
            ],
        },
        ensure_ascii=False,
        indent=2,
    ).encode()
    rows = read_all("json", export, random.Random(5))
    text = export.decode()
    assert [(r.name, r.line) for r in rows] == [
        ("lt", text[: text.index('"slug"')].count("\n")),
        ("Aistė", text[: text.index('"given_name": "Aistė"')].count("\n")),
        ("Jonas", text[: text.index('"given_name": "Jonas"')].count("\n")),
    ]


@pytest.mark.fast
def test_escapes_no_version_defines_are_the_character_itself() -> None:
    """3.0 and 4.0 define `\\\\`, `\\,`, `\\;` and `\\n`; a writer escaping more (`\\"`, `\\/`)
    means the character, stored without a backslash; 2.1 knows only `\\;`: a backslash stays."""
    body = (
        'BEGIN:VCARD\r\nVERSION:3.0\r\nN:Jonaitis;Jonas \\"Joe\\";;;\r\n'
        'FN:Jonas \\"Joe\\" Jonaitis\r\nTITLE:Vadovas\\/direktorius\\, LT\r\nEND:VCARD\r\n'
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Aistė\r\nTITLE:Skyrius A\\B\r\nEND:VCARD\r\n"
    ).encode()
    rows = read_all("vcard", body, random.Random(6))
    assert [(r.data.get("given_name"), r.data["display_name"], r.data["titles"]) for r in rows] == [
        ('Jonas "Joe"', 'Jonas "Joe" Jonaitis', {"": "Vadovas/direktorius, LT"}),
        (None, "Aistė", {"": "Skyrius A\\B"}),
    ]
