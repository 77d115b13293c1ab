"""Query plans (EXPLAIN ANALYZE in JSON) read for what they cost."""

from __future__ import annotations


def rows_read(plan: dict[str, object], table: str) -> tuple[float, list[str]]:
    """Rows the scans of `table` in an EXPLAIN ANALYZE plan returned, and those scans' kinds
    (of the scans that ran: a branch never executed, as search-members' index lookup for a
    common text, read nothing)."""
    rows: float = 0
    kinds: list[str] = []
    loops = plan.get("Actual Loops", 0)
    assert isinstance(loops, int | float)
    if loops and plan.get("Relation Name") == table:
        kinds.append(str(plan["Node Type"]))
        actual = plan.get("Actual Rows", 0)
        assert isinstance(actual, int | float)
        rows += actual * loops
    children = plan.get("Plans", [])
    assert isinstance(children, list)
    for child in children:
        more, named = rows_read(child, table)
        rows, kinds = rows + more, kinds + named
    return rows, kinds


def scans_run(plan: dict[str, object], table: str) -> tuple[float, list[str], list[str]]:
    """Rows the scans of `table` that ran read (returned, or filtered out after reading), their
    kinds, and the indexes of every node that ran."""
    rows: float = 0
    kinds: list[str] = []
    indexes: list[str] = []
    loops = plan.get("Actual Loops", 0)
    assert isinstance(loops, int | float)
    if loops and "Index Name" in plan:
        indexes.append(str(plan["Index Name"]))
    if loops and plan.get("Relation Name") == table:
        kinds.append(str(plan["Node Type"]))
        for key in ("Actual Rows", "Rows Removed by Filter", "Rows Removed by Index Recheck"):
            seen = plan.get(key, 0)
            assert isinstance(seen, int | float)
            rows += seen * loops
    children = plan.get("Plans", [])
    assert isinstance(children, list)
    for child in children:
        more, named, used = scans_run(child, table)
        rows, kinds, indexes = rows + more, kinds + named, indexes + used
    return rows, kinds, indexes
