"""No module under tests/ imports a test module: what tests share lives in tests/support/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

TESTS = Path(__file__).resolve().parent


def _package_of(path: Path) -> list[str]:
    """The dotted package a file is in, as a list (tests/mailing/x.py: tests, mailing)."""
    return list(path.relative_to(TESTS.parent).parent.parts)


def imported_test_modules(path: Path, tree: ast.Module) -> set[str]:
    """The test modules (test_*.py) that one file imports, in any import form."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            # A relative import resolves against the file's own package.
            base = _package_of(path)[: len(_package_of(path)) - node.level + 1]
            module = ([*base] if node.level else []) + (node.module or "").split(".")
            module = [m for m in module if m]
            # `from tests.mailing import test_x` names the module in the imported names.
            names = [".".join(module)] + [".".join([*module, a.name]) for a in node.names]
        else:
            continue
        found |= {m for n in names if n.startswith("tests.") and (m := _test_module(n))}
    return found


def _test_module(dotted: str) -> str | None:
    """The test module of ours (tests/…/test_*.py) a dotted name is or is in, if any."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if (
            part.startswith("test_")
            and TESTS.parent.joinpath(*parts[: i + 1]).with_suffix(".py").is_file()
        ):
            return ".".join(parts[: i + 1])
    return None


def test_no_module_under_tests_imports_a_test_module() -> None:
    offenders = {}
    for path in sorted(TESTS.rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if found := imported_test_modules(path, tree):
            offenders[str(path.relative_to(TESTS.parent))] = sorted(found)
    assert not offenders, f"move what they share to tests/support/: {offenders}"


def test_the_check_sees_every_form_of_import() -> None:
    here = TESTS / "mailing" / "test_example.py"
    forms = {
        "from tests.mailing.test_campaigns import people": ["tests.mailing.test_campaigns"],
        "import tests.vcard.test_carddav": ["tests.vcard.test_carddav"],
        "from tests.mailing import test_inbound": ["tests.mailing.test_inbound"],
        "from .test_sending import stop_worker": ["tests.mailing.test_sending"],
        "from . import test_dkim": ["tests.mailing.test_dkim"],
        "from ..test_fuzz import fuzz": ["tests.test_fuzz"],
        "from tests.support.newsletters import EE_LIST": [],
        "from tests.mailing import returns_corpus": [],
    }
    for source, expected in forms.items():
        found = imported_test_modules(here, ast.parse(source))
        assert sorted(found) == expected, source
