"""Numbered `.sql` migrations per service schema, applied once, under an advisory lock."""

from __future__ import annotations

import hashlib
import logging
import re
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


async def migrate(conn: Conn, schema: str, folder: Path) -> list[int]:
    """Apply the pending migrations of `schema`; returns the versions applied now."""
    migrations = discover(folder)
    _check_identifier(schema)
    applied_now: list[int] = []
    # Session-level lock: a second process waits here, then finds nothing left to do.
    await conn.execute("SELECT pg_advisory_lock($1)", lock_key(schema))
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f"""CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = await conn.fetch(f'SELECT version, checksum FROM "{schema}".schema_migrations')  # noqa: S608
        recorded = {r["version"]: r["checksum"] for r in rows}
        for migration in migrations:
            if migration.version in recorded:
                if recorded[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"{schema} migration {migration.version:03d}_{migration.name} was "
                        "changed after it was applied; add a new migration instead"
                    )
                continue
            async with conn.transaction():
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
        unknown = set(recorded) - {m.version for m in migrations}
        if unknown:
            raise MigrationError(
                f"{schema} has migrations {sorted(unknown)} that this code does not know"
            )
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(schema))
    return applied_now


async def is_current(conn: Conn, schema: str, folder: Path) -> bool:
    """True when every migration on disk is recorded as applied."""
    latest = len(discover(folder))
    try:
        applied = await conn.fetchval(
            f'SELECT coalesce(max(version), 0) FROM "{schema}".schema_migrations'  # noqa: S608
        )
    except asyncpg.UndefinedTableError:
        return False
    return bool(applied == latest)
