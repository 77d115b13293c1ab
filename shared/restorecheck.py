"""What must hold in a service's schema after a restore (`kontakt restore-check`).

Each service checks its own schema: every migration this code needs is applied (with the
checksum it was applied with), every sequence is ahead of the largest value in its column
(a data-only or partial restore leaves them behind: the next insert fails), and the runtime
role (KONTAKT_DB_RUNTIME_ROLE) may read and write every table (`pg_restore --no-acl` or
`--no-owner` drops the grants). A service adds its own checks (the directory: its sync epoch).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.conn import Conn
from shared.db import connect_once
from shared.migrate import MigrationError, missing
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's result: whether it holds, what it is about, and what to do when not."""

    ok: bool
    what: str
    detail: str


Extra = Callable[[Conn], Awaitable[list[Finding]]]

SEQUENCES = """
SELECT format('%I.%I', sn.nspname, s.relname) AS sequence,
       format('%I.%I', tn.nspname, t.relname) AS "table", quote_ident(a.attname) AS "column"
  FROM pg_depend d
  JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  JOIN pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
   AND d.deptype IN ('a', 'i') AND tn.nspname = $1
 ORDER BY 1"""

UNGRANTED = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
   AND NOT (has_table_privilege($2, c.oid, 'SELECT') AND has_table_privilege($2, c.oid, 'INSERT')
            AND has_table_privilege($2, c.oid, 'UPDATE')
            AND has_table_privilege($2, c.oid, 'DELETE'))
 ORDER BY 1"""


async def _migrations(conn: Conn, schema: str, folder: Path) -> Finding:
    try:
        lacking = await missing(conn, schema, folder)
    except MigrationError as exc:
        return Finding(False, "migrations", str(exc))
    if lacking:
        names = ", ".join(f"{m.version:03d}_{m.name}" for m in lacking)
        return Finding(False, "migrations", f"{names} not applied: run `kontakt migrate`")
    return Finding(True, "migrations", "every migration this release needs is applied")


async def _sequences(conn: Conn, schema: str) -> Finding:
    behind = []
    rows = await conn.fetch(SEQUENCES, schema)
    for row in rows:
        # Names from the catalogue, quoted by PostgreSQL's own format('%I').
        top = await conn.fetchval(f"SELECT max({row['column']}) FROM {row['table']}")  # noqa: S608
        state = await conn.fetchrow(f"SELECT last_value, is_called FROM {row['sequence']}")  # noqa: S608
        assert state is not None
        next_value = state["last_value"] + 1 if state["is_called"] else state["last_value"]
        if top is not None and next_value <= top:
            behind.append(
                f"{row['sequence']} would give {next_value}, but {row['table']}.{row['column']} "
                f"holds {top} (SELECT setval('{row['sequence']}', {top}))"
            )
    if behind:
        return Finding(False, "sequences", "; ".join(behind))
    return Finding(True, "sequences", f"{len(rows)} ahead of the values in their columns")


async def _grants(conn: Conn, schema: str, role: str) -> Finding:
    what = f"grants to {role}"
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role):
        return Finding(False, what, "no such role: create it (README, Production)")
    if not await conn.fetchval("SELECT has_schema_privilege($1, $2, 'USAGE')", role, schema):
        return Finding(False, what, f"no USAGE on schema {schema}: run `kontakt migrate`")
    lacking = [r["relname"] for r in await conn.fetch(UNGRANTED, schema, role)]
    if lacking:
        tables = ", ".join(lacking)
        return Finding(False, what, f"cannot read and write {tables}: run `kontakt migrate`")
    return Finding(True, what, "reads and writes every table")


NO_ROLE = "not checked: set KONTAKT_DB_RUNTIME_ROLE to the role the services connect as"
AS_OWNER = (
    "run `kontakt migrate` as the schema's owner with KONTAKT_DB_RUNTIME_ROLE set, then this "
    "check as the owner too"
)


async def check(
    settings: Settings, schema: str, folder: Path, extra: Extra | None = None
) -> list[Finding]:
    """Every check of one schema, on one plain connection to KONTAKT_DATABASE_URL."""
    conn = await connect_once(settings)
    try:
        findings = [await _migrations(conn, schema, folder)]
        if not findings[0].ok:
            return findings  # the rest would only fail on what is missing
        findings.append(await _sequences(conn, schema))
        if settings.db_runtime_role:
            findings.append(await _grants(conn, schema, settings.db_runtime_role))
        else:
            findings.append(Finding(True, "grants", NO_ROLE))
        if extra is not None:
            findings += await extra(conn)
    except asyncpg.InsufficientPrivilegeError as exc:
        # Run as the services' role after a restore without grants: a finding, not a trace.
        return [Finding(False, f"grants on schema {schema}", f"{exc}: {AS_OWNER}")]
    finally:
        await conn.close()
    return findings
