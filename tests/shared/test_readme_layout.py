"""The README's architecture section names every module of every service and of shared/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.fast


def _architecture() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Architecture")
    return readme[start : readme.index("How the house works", start)]


def _modules() -> list[Path]:
    """Every module and package of services/* and shared/ a reader of the layout meets."""
    tops = [*sorted((ROOT / "services").glob("*/")), ROOT / "shared"]
    found: list[Path] = []
    for top in tops:
        if not (top / "__init__.py").exists():
            continue
        for path in sorted(top.rglob("*.py")):
            relative = path.relative_to(top)
            if path.name in {"__init__.py", "__main__.py"} or "node_modules" in path.parts:
                continue
            if len(relative.parts) > 1 and relative.parts[0] != "routes":
                # A package's modules (importing/, returns/, identity/, mail/): the package
                # is named, and its modules where the section lists them.
                found.append(top / relative.parts[0])
                continue
            found.append(path)
    return sorted(set(found))


def test_every_module_is_in_the_architecture_section() -> None:
    text = _architecture()
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    missing = [
        str(path.relative_to(ROOT))
        for path in _modules()
        if path.stem not in words and path.name not in words
    ]
    assert len(_modules()) > 80  # the globs found the services
    assert not missing, "modules the README's architecture section does not name:\n" + "\n".join(
        missing
    )
