"""Expand/contract: the previous release's code keeps working on this release's schema."""

from __future__ import annotations

import re

import asyncpg
import pytest

from shared.migrate import discover, migrate
from shared.queries import Queries
from tests.ops.previous_release import HERE, SCHEMAS, migration_list

# A new column that old code does not fill must not refuse old code's INSERTs.
NOT_NULL_WITHOUT_DEFAULT = re.compile(
    r"ADD\s+COLUMN\s+[^,;]*\bNOT\s+NULL\b(?![^,;]*\bDEFAULT\b)|SET\s+NOT\s+NULL", re.IGNORECASE
)


def previous(schema: str) -> list[str]:
    """The previous release's migration list of `schema` (none for a schema it did not have)."""
    recorded = HERE / schema / "migrations.txt"
    return recorded.read_text().split("\n")[:-1] if recorded.exists() else []


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
def test_released_migrations_are_never_edited_or_renumbered(schema: str) -> None:
    released = previous(schema)
    assert migration_list(SCHEMAS[schema][0])[: len(released)] == released


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
def test_new_migrations_do_not_refuse_the_previous_release_s_writes(schema: str) -> None:
    for migration in discover(SCHEMAS[schema][0])[len(previous(schema)) :]:
        found = NOT_NULL_WITHOUT_DEFAULT.search(migration.sql)
        assert found is None, f"{migration.name}: {found[0] if found else ''} (see CONTRIBUTING.md)"


async def test_every_query_of_the_previous_release_compiles_on_the_new_schema(
    empty_db_url: str,
) -> None:
    owner = await asyncpg.connect(empty_db_url)
    try:
        for schema, (folder, _) in SCHEMAS.items():
            await migrate(owner, schema, folder)
    finally:
        await owner.close()
    for schema in SCHEMAS:
        if not (HERE / schema / "queries").exists():
            continue  # a schema the previous release did not have
        conn = await asyncpg.connect(empty_db_url, server_settings={"search_path": schema})
        try:
            await Queries.load(HERE / schema / "queries", schema=schema).check(conn)
        finally:
            await conn.close()
