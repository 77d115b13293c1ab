"""Numbered `.sql` migrations per service schema, applied once, under an advisory lock."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.conn import Conn

log = logging.getLogger("kontakt.migrate")

_FILE = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The migrations on disk and those recorded in the database disagree."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file, so an edited, already-applied migration is noticed."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def discover(folder: Path) -> list[Migration]:
    """The migrations in `folder`, in order; gaps and duplicates are errors."""
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:03d} is missing or numbered twice")
    return found


def _check_identifier(schema: str) -> None:
    # Schema names come from code, never from users; this keeps it that way.
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
        raise MigrationError(f"unusable schema name {schema!r}")


def lock_key(schema: str) -> int:
    """The advisory-lock key of one schema's migrations (stable across processes)."""
    return zlib.crc32(f"kontakt-migrate:{schema}".encode()) & 0x7FFFFFFF


async def _recorded(conn: Conn, schema: str) -> dict[int, str] | None:
    """Version -> checksum of the applied migrations; None before the first one."""
    try:
        rows = await conn.fetch(f'SELECT version, checksum FROM "{schema}".schema_migrations')  # noqa: S608
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return None
    return {r["version"]: r["checksum"] for r in rows}


def _unapplied(
    schema: str, migrations: list[Migration], recorded: dict[int, str]
) -> list[Migration]:
    """The migrations this code needs that are not applied; an edited applied one is an error.

    Versions beyond the code's own are a newer release's (expand/contract, CONTRIBUTING.md):
    tolerated, so an old copy keeps running, and restarting, during a rolling upgrade.
    """
    missing = []
    for migration in migrations:
        if migration.version not in recorded:
            missing.append(migration)
        elif recorded[migration.version] != migration.checksum:
            raise MigrationError(
                f"{schema} migration {migration.version:03d}_{migration.name} was "
                "changed after it was applied; add a new migration instead"
            )
    return missing


async def migrate(
    conn: Conn, schema: str, folder: Path, *, runtime_role: str | None = None
) -> list[int]:
    """Apply the pending migrations of `schema`; returns the versions applied now.

    With `runtime_role`, that role is granted read and write (no DDL) on the schema's
    tables and sequences, so services can run as it with KONTAKT_MIGRATE=false.
    """
    migrations = discover(folder)
    _check_identifier(schema)
    # One transaction under a transaction-level lock: a second process waits, then finds
    # nothing left to do; a failed migration leaves none of this run's applied; and it works
    # through a transaction-mode pooler (a session lock would not).
    try:
        async with conn.transaction():
            applied_now = await _apply(conn, schema, migrations, runtime_role)
    except asyncpg.InsufficientPrivilegeError as exc:
        raise MigrationError(
            f"this role may not apply the migrations of schema {schema} ({exc}): run the "
            "migration step as the schema's owner (`kontakt migrate`), and start the services "
            "with KONTAKT_MIGRATE=false"
        ) from exc
    return applied_now


async def _apply(
    conn: Conn, schema: str, migrations: list[Migration], runtime_role: str | None
) -> list[int]:
    """The body of `migrate`, inside its transaction."""
    applied_now: list[int] = []
    await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(schema))
    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    await conn.execute(
        f"""CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())"""
    )
    recorded = await _recorded(conn, schema) or {}
    for migration in _unapplied(schema, migrations, recorded):
        await conn.execute(migration.sql)
        await conn.execute(
            f'INSERT INTO "{schema}".schema_migrations (version, name, checksum) '  # noqa: S608
            "VALUES ($1, $2, $3)",
            migration.version,
            migration.name,
            migration.checksum,
        )
        log.info("applied migration", extra={"schema": schema, "version": migration.version})
        applied_now.append(migration.version)
    newer = sorted(set(recorded) - {m.version for m in migrations})
    if newer:
        log.info(
            "a newer release's migrations are applied",
            extra={"schema": schema, "versions": newer},
        )
    if runtime_role:
        await grant(conn, schema, runtime_role)
    return applied_now


async def grant(conn: Conn, schema: str, role: str) -> None:
    """Give `role` what a running service needs on `schema`: read and write, no DDL."""
    if not await conn.fetchval("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", role):
        raise MigrationError(
            f"KONTAKT_DB_RUNTIME_ROLE names {role!r}, which does not exist: create it "
            "(README, Production) or correct the name"
        )
    who = await conn.fetchval("SELECT quote_ident($1)", role)
    await conn.execute(
        f'GRANT USAGE ON SCHEMA "{schema}" TO {who};'
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {who};'
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {who};'
        f'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA "{schema}" TO {who};'
    )


async def missing(conn: Conn, schema: str, folder: Path) -> list[Migration]:
    """The migrations this code needs that the database lacks (a newer release's are fine)."""
    recorded = await _recorded(conn, schema)
    migrations = discover(folder)
    return migrations if recorded is None else _unapplied(schema, migrations, recorded)


async def is_current(conn: Conn, schema: str, folder: Path) -> bool:
    """True when every migration this code needs is applied (newer ones may be too)."""
    return not await missing(conn, schema, folder)


async def wait_until_current(conn: Conn, schema: str, folder: Path, within: float) -> None:
    """Wait for the migration step to apply what this code needs; MigrationError after `within`."""
    deadline = time.monotonic() + within
    next_note = 0.0
    while lacking := await missing(conn, schema, folder):
        names = ", ".join(f"{m.version:03d}_{m.name}" for m in lacking)
        if time.monotonic() >= deadline:
            raise MigrationError(
                f"{schema} lacks migrations {names}; run `python -m services.<name> migrate` "
                "(the migration step) before starting services with KONTAKT_MIGRATE=false"
            )
        if time.monotonic() >= next_note:
            log.warning(
                "waiting for the migration step", extra={"schema": schema, "missing": names}
            )
            next_note = time.monotonic() + 10
        await asyncio.sleep(1)
