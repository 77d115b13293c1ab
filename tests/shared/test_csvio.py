"""What every CSV reader shares: a file's width told from its first bytes, however they come."""

from __future__ import annotations

import pytest

from shared.csvio import FORMULA_STARTS, CsvWriter, Transcoder, neutralise, restore, wide_encoding
from tests.support.spreadsheets import HOSTILE

pytestmark = pytest.mark.fast

TEXT = "email;Vārds\r\nx@example.lv;Žydrūnė Mežecka\r\n"
CASES = [
    ("utf-8", None),
    ("utf-8-sig", None),
    ("utf-16", "UTF-16"),
    ("utf-16-le", "UTF-16LE (without a byte-order mark)"),
    ("utf-16-be", "UTF-16BE (without a byte-order mark)"),
    ("utf-32", "UTF-32"),
    ("utf-32-le", "UTF-32LE (without a byte-order mark)"),
    ("utf-32-be", "UTF-32BE (without a byte-order mark)"),
]


@pytest.mark.parametrize(("encoding", "named"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("piece", [1, 3, 4096])
def test_any_width_reads_as_utf8_in_pieces_of_any_size(
    encoding: str, named: str | None, piece: int
) -> None:
    data = TEXT.encode(encoding)
    found = wide_encoding(data)
    assert (found[1] if found else None) == named
    transcoder = Transcoder()
    out = b"".join(transcoder.feed(data[i : i + piece]) for i in range(0, len(data), piece))
    assert (out + transcoder.close()).decode("utf-8") == TEXT


def test_legacy_bytes_and_short_files_pass_as_they_are() -> None:
    # Windows-1257 is decoded by the reader (per value); a file shorter than the head too.
    for data in ("Žydrūnė".encode("cp1257"), b"a", b""):
        transcoder = Transcoder()
        assert transcoder.feed(data) + transcoder.close() == data


def test_neutralise_and_restore_are_inverse() -> None:
    values = [*HOSTILE, "'=quoted", "''", "'t Hooft", "Kisevičienė", "", 'a,b;c"d', "=", "-"]
    for value in values:
        cell = neutralise(value)
        assert not cell.startswith(FORMULA_STARTS)
        assert restore(cell) == value
    assert neutralise(-3) == "-3"  # numbers we write are not formulas
    assert neutralise(True) == "true"
    assert restore("'t Hooft") == "'t Hooft"  # an apostrophe a person wrote stays
    # Every cell is quoted, so a spreadsheet splitting at ';' never sees a cell start inside one.
    assert CsvWriter(["a"]).row(["x;=1+1"]) == '"x;=1+1"\r\n'
