"""Every OpenAPI document says what its authors wrote: a description in a flow mapping with
an unquoted comma is cut there, the rest turned into keys (ImportReport's descriptions were
cut at their first comma, leaving keys like 'columns not kept)')."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted((ROOT / "services").glob("*/openapi.yaml"))


def _keys(node: object, path: str = "") -> list[tuple[str, str]]:
    """Every key of every mapping in the document, with where it is."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((path, str(key)))
            found += _keys(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _keys(value, f"{path}/{index}")
    return found


@pytest.mark.fast
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.parent.name)
def test_no_text_became_a_key(document: Path) -> None:
    """A key is a name (a path, a media type, a status); words with spaces are a text cut."""
    spec = yaml.safe_load(document.read_text(encoding="utf-8"))
    odd = [(where, key) for where, key in _keys(spec) if re.search(r"[\s()]", key)]
    assert odd == []


@pytest.mark.fast
def test_the_import_report_says_it_whole() -> None:
    spec = yaml.safe_load((ROOT / "services/directory/openapi.yaml").read_text(encoding="utf-8"))
    report = spec["components"]["schemas"]["ImportReport"]["properties"]
    assert report["notes"]["description"] == (
        "remarks on the whole file (a legacy code page, columns not kept)"
    )
    item = report["items"]["items"]["properties"]
    assert set(item) == {
        "kind", "row", "line", "name", "status", "contact", "errors", "notes", "dropped"
    }  # fmt: skip
