"""Rules written once: numbers people type are read as ASCII digits, pages get their CSP from
one helper. A second way of doing either fails here, before it answers a 500 or a page
without its policy."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.fast

# The console's mail preview shows a message's own HTML under a policy of its own (inline
# styles, any image, no form), not one of our pages.
CSP_SET_BY = {"shared/web.py", "services/console/routes/newsletters.py"}


def _trees() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted([*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]):
        name = str(path.relative_to(ROOT))
        yield name, ast.parse(path.read_text("utf-8"), filename=name)


def _method_calls(node: ast.AST, method: str) -> list[str]:
    """The receivers of `receiver.method()` calls below `node`, as source text."""
    return [
        ast.unparse(n.func.value)
        for n in ast.walk(node)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == method
        and not n.args
    ]


def test_isdigit_goes_with_isascii() -> None:
    # "²" and "٣" pass str.isdigit; int() refuses the first and reads the second.
    unchecked = []
    for name, tree in _trees():
        guarded: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
                ascii_checked = set(_method_calls(node, "isascii"))
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "isdigit"
                        and ast.unparse(call.func.value) in ascii_checked
                    ):
                        guarded.add(id(call))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "isdigit"
                and id(node) not in guarded
            ):
                unchecked.append(f"{name}:{node.lineno}")
    assert not unchecked, "use shared.validate.parse_id, or isascii() with isdigit():\n" + (
        "\n".join(unchecked)
    )


def test_one_helper_sets_a_pages_csp() -> None:
    setters = {
        name
        for name, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value == "Content-Security-Policy"
    }
    assert setters == CSP_SET_BY, "pages get their CSP from shared.web.html_page"
