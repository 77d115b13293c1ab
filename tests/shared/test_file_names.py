"""Download file names: a contact's name as people read it, and nothing that reads otherwise."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

import pytest

from shared.web import disposition, safe_name

HOSTILE = [
    "Vida \u202egpj.exe",  # RIGHT-TO-LEFT OVERRIDE: shown as "Vida exe.jpg"
    "Lina \u2066Kisevičienė\u2069\u200f",  # isolates and a right-to-left mark
    "Aistė\u200b\u200dK\u00ad",  # zero width space, joiner, soft hyphen
    "Jonas\u2028Jonaitis\x85\x9b",  # line separator, C1 controls
    "..\\..\\Windows/system32:x*?",
]


@pytest.mark.fast
@pytest.mark.parametrize("name", HOSTILE)
def test_no_control_or_formatting_character_reaches_a_file_name(name: str) -> None:
    for shown in (safe_name(name), unquote(disposition(f"{name}.vcf").split("''", 1)[1])):
        odd = [c for c in shown if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"}]
        assert odd == [], (name, shown)
        assert not set(shown) & set('/\\:*?"<>|'), shown


@pytest.mark.fast
def test_a_long_name_keeps_its_extension_and_a_plain_one_stays() -> None:
    assert safe_name("Vida Gintautaitė") == "Vida Gintautaitė"
    long = disposition("Žydrūnė " * 40 + ".vcf")
    assert long.endswith(".vcf")
    assert unquote(long.split("''", 1)[1]).startswith("Žydrūnė Žydrūnė")
