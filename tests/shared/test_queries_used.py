"""Every named query is used: a query nobody calls is still prepared at every boot.

A use is what runs a query: a subscript of the service's queries (`q["name"]`,
`queries["name"]`, `self.q["name"]`, `request.app[QUERIES]["name"]`, `Queries.load(…)["name"]`,
also `q["a" if x else "b"]`), or a name handed to a helper that runs the query it names
(HELPERS). The same text anywhere else (a dict key, a status word such as "pending") is not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^--\s*name:\s*([a-z0-9][a-z0-9_-]*)\s*$", re.MULTILINE)
# Expressions that hold a service's named queries.
QUERIES_NAMES = {"q", "queries"}
# Helpers given query names, and the argument naming them: (position, keyword).
HELPERS = {
    "Prune": (1, "query"),  # shared/housekeeping.py: a pruning step's query
    "Kind": (2, "get"),  # services/directory/importing/others.py: how a record is found
    "delete_unused": (2, "queries"),  # services/directory/store.py: lock and delete queries
}

pytestmark = pytest.mark.fast


def _query_names() -> dict[str, Path]:
    """Each query name defined under services/ and shared/, with its file."""
    files = [*ROOT.glob("services/*/queries/*.sql"), *ROOT.glob("shared/**/queries/*.sql")]
    return {name: path for path in files for name in NAME.findall(path.read_text("utf-8"))}


def _holds_queries(node: ast.expr) -> bool:
    """Whether `node` is the queries of a service (`q`, `self.q`, `app[QUERIES]`, …)."""
    if isinstance(node, ast.Name):
        return node.id in QUERIES_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in QUERIES_NAMES
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Name) and node.slice.id == "QUERIES"
    if isinstance(node, ast.Call):
        return ast.unparse(node.func).endswith("Queries.load")
    return False


def _texts(node: ast.expr) -> set[str]:
    """The names an expression can be: a literal, either side of `a if x else b`, a tuple's."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _texts(node.body) | _texts(node.orelse)
    if isinstance(node, ast.Tuple | ast.List):
        return {text for item in node.elts for text in _texts(item)}
    return set()


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def queries_run(source: str) -> set[str]:
    """The query names a module's code runs or hands to a helper that runs them."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and _holds_queries(node.value):
            found |= _texts(node.slice)
        elif isinstance(node, ast.Call) and _callee(node) in HELPERS:
            position, keyword = HELPERS[_callee(node)]
            if len(node.args) > position:
                found |= _texts(node.args[position])
            found |= {t for k in node.keywords if k.arg == keyword for t in _texts(k.value)}
    return found


def test_only_running_a_query_counts_as_using_it() -> None:
    source = """
status = {"pending": 1}["pending"]
label = row["recipient"]
if action == "unsubscribe": pass
await conn.fetch(q["get-list-counted" if counted else "get-list"], slug)
await conn.fetch(self.q["claim-deliveries"])
await conn.fetch(request.app[QUERIES]["lock-campaign"], 1)
Prune("mailing.outbox", "prune-outbox")
await delete_unused(conn, q, ("lock-network", "delete-network"), slug, None)
"""
    assert queries_run(source) == {
        "get-list-counted",
        "get-list",
        "claim-deliveries",
        "lock-campaign",
        "prune-outbox",
        "lock-network",
        "delete-network",
    }


def test_every_named_query_is_referenced_by_code() -> None:
    names = _query_names()
    assert len(names) > 100  # the glob found the query files
    used: set[str] = set()
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]:
        used |= queries_run(path.read_text("utf-8"))
    unused = sorted(
        f"{path.relative_to(ROOT)}: {name}" for name, path in names.items() if name not in used
    )
    assert not unused, "named queries no code runs (remove them):\n" + "\n".join(unused)
