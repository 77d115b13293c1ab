"""Named SQL queries kept in `.sql` files (`-- name: get-contact`), checked at start-up."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import asyncpg

from shared.conn import Conn

_NAME = re.compile(r"^--\s*name:\s*([a-z0-9][a-z0-9_-]*)\s*$", re.MULTILINE)


SCHEMA_MARK = "{schema}"


class QueryError(RuntimeError):
    """A query file is malformed, or a query does not compile against the database."""


class Queries(Mapping[str, str]):
    """The named queries of one service, looked up as `queries["get-contact"]`."""

    def __init__(self, queries: dict[str, str]) -> None:
        self._queries = queries

    @classmethod
    def load(cls, folder: Path, *more: Path, schema: str | None = None) -> Queries:
        """Read every `*.sql` file in the folders; names must be unique across files.

        `{schema}` in a query names the loading service's schema: shared queries use it for
        the tables every service keeps in its own (no search_path, so poolers work).
        """
        found: dict[str, str] = {}
        for path in [p for f in (folder, *more) for p in sorted(f.glob("*.sql"))]:
            text = path.read_text(encoding="utf-8")
            parts = _NAME.split(text)
            if parts[0].strip() and not all(
                line.strip().startswith("--") for line in parts[0].strip().splitlines()
            ):
                raise QueryError(f"{path.name}: SQL before the first '-- name:' line")
            for name, sql in zip(parts[1::2], parts[2::2], strict=True):
                if name in found:
                    raise QueryError(f"{path.name}: query {name!r} is defined twice")
                body = sql.strip().rstrip(";").strip()
                if not body:
                    raise QueryError(f"{path.name}: query {name!r} is empty")
                if SCHEMA_MARK in body:
                    if schema is None:
                        raise QueryError(f"{path.name}: query {name!r} needs a schema to load")
                    body = body.replace(SCHEMA_MARK, schema)
                found[name] = body
        if not found:
            raise QueryError(f"no queries found in {folder}")
        return cls(found)

    def __getitem__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise QueryError(f"no query named {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)

    async def check(self, conn: Conn) -> None:
        """Prepare every query once, so a typo fails at boot and not at the first request."""
        # In one transaction: behind a transaction-mode pooler that is one server connection.
        async with conn.transaction():
            for name, sql in self._queries.items():
                try:
                    await conn.prepare(sql)
                except asyncpg.PostgresError as exc:
                    raise QueryError(f"query {name!r} does not compile: {exc}") from exc
