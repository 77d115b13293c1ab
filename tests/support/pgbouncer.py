"""Debian's PgBouncer in transaction mode, in front of the suite's PostgreSQL."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.activation import activated
from tests.support.ports import Reserved


def _server_of(url: str) -> str:
    """The libpq connection string of PostgreSQL itself, for PgBouncer's [databases]."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
    port = query.get("port", [str(parts.port or 5432)])[0]
    words = [f"host={host}", f"port={port}", f"user={parts.username or 'postgres'}"]
    if parts.password:
        words.append(f"password={parts.password}")
    return " ".join(words)


def _unprivileged_user() -> list[str]:
    """PgBouncer refuses to run as root: as root, run it as the embedded server's user."""
    if os.geteuid() != 0:
        return []
    for name in ("pgserver", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["-u", name]
    raise RuntimeError("no unprivileged user to run pgbouncer as")


@contextmanager
def pgbouncer(server_url: str, pool_size: int = 2) -> Iterator[str]:
    """Start PgBouncer (transaction mode, `pool_size` server connections per database).

    Yields its URL without a database name: append `/DBNAME`.
    """
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    folder = Path(tempfile.mkdtemp(prefix="kontakt-pgbouncer-"))
    folder.chmod(0o755)  # readable by the user it switches to
    # PgBouncer takes a socket passed by systemd (socket activation) instead of binding its
    # own: bound here at port 0, the port is ours before it starts.
    listener = Reserved()
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = {_server_of(server_url)}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listener.port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 1000\n"
    )
    config.chmod(0o644)
    argv, fds = activated(listener, [binary, *_unprivileged_user(), str(config)])
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=fds
    )
    listener.sock.close()
    port = listener.port
    try:
        # Connections wait in the passed socket's queue until PgBouncer takes them: ready when
        # one is answered (a PostgreSQL SSLRequest gets one byte, N or S).
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"\x00\x00\x00\x08\x04\xd2\x16\x2f")
                    if probe.recv(1) in (b"N", b"S"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"pgbouncer did not start: {process.communicate()[1]!r}")
            time.sleep(0.1)
        yield f"postgresql://kontakt@127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
