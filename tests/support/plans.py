"""Query plans (EXPLAIN ANALYZE in JSON) read for what they cost."""

from __future__ import annotations


def rows_read(plan: dict[str, object], table: str) -> tuple[float, list[str]]:
    """Rows the scans of `table` in an EXPLAIN ANALYZE plan returned, and those scans' kinds."""
    rows: float = 0
    kinds: list[str] = []
    if plan.get("Relation Name") == table:
        kinds.append(str(plan["Node Type"]))
        loops = plan.get("Actual Loops", 1)
        assert isinstance(loops, int | float)
        actual = plan.get("Actual Rows", 0)
        assert isinstance(actual, int | float)
        rows += actual * loops
    children = plan.get("Plans", [])
    assert isinstance(children, list)
    for child in children:
        more, named = rows_read(child, table)
        rows, kinds = rows + more, kinds + named
    return rows, kinds
