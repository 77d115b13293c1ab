"""Every named query is used: a query nobody calls is still prepared at every boot."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^--\s*name:\s*([a-z0-9][a-z0-9_-]*)\s*$", re.MULTILINE)

pytestmark = pytest.mark.fast


def _query_names() -> dict[str, Path]:
    """Each query name defined under services/ and shared/, with its file."""
    files = [*ROOT.glob("services/*/queries/*.sql"), *ROOT.glob("shared/**/queries/*.sql")]
    return {name: path for path in files for name in NAME.findall(path.read_text("utf-8"))}


def _string_literals() -> set[str]:
    """Every string constant in the code of the services and shared/."""
    found: set[str] = set()
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_every_named_query_is_referenced_by_code() -> None:
    names = _query_names()
    assert len(names) > 100  # the glob found the query files
    used = _string_literals()
    unused = sorted(
        f"{path.relative_to(ROOT)}: {name}" for name, path in names.items() if name not in used
    )
    assert not unused, "named queries no code refers to (remove them):\n" + "\n".join(unused)
