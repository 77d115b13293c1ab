"""A service process: `python -m services.NAME` serves; `... migrate` applies its schema."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import asyncpg
from aiohttp import web

from shared.db import connect_once
from shared.housekeeping import Chores, prune_once
from shared.logs import setup_logging
from shared.migrate import MigrationError, migrate
from shared.restorecheck import Extra, check
from shared.settings import Settings, SettingsError
from shared.web import DRAINING, IN_FLIGHT, POOL_KEY, add_health, base_app, database_ready

log = logging.getLogger("kontakt.process")

AppFactory = Callable[[Settings], web.Application]
# A service's schema and its migrations folder; None for a service that owns no tables.
Schema = tuple[str, Path] | None


# sd_listen_fds(3): the first socket a supervisor passes is file descriptor 3.
LISTEN_FDS_START = 3


def activated_socket() -> socket.socket | None:
    """The listening socket a supervisor passed (systemd's socket activation, sd_listen_fds(3)).

    Descriptor 3 when LISTEN_PID is this process and LISTEN_FDS is 1; None when no socket was
    passed. The variables are removed, so a child of ours does not take the socket for its own.
    SettingsError when more than one was passed: a service listens on one socket.
    """
    pid, count = os.environ.pop("LISTEN_PID", ""), os.environ.pop("LISTEN_FDS", "0")
    os.environ.pop("LISTEN_FDNAMES", None)
    if pid != str(os.getpid()) or count == "0":
        return None
    if count != "1":
        raise SettingsError(f"LISTEN_FDS: expected one listening socket, got {count}")
    return socket.socket(fileno=LISTEN_FDS_START)


async def listen(
    runner: web.AppRunner, host: str, port: int, sock: socket.socket | None
) -> web.BaseSite:
    """Serve `runner` on `sock` (passed by a supervisor) or else on `host`:`port`.

    Logs the address bound (with a passed socket, or port 0, not the setting's).
    """
    site = web.SockSite(runner, sock) if sock else web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[-1][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    log.info("listening", extra={"url": f"http://{shown}:{bound_port}"})
    return site


async def serve(app: web.Application, settings: Settings, port: int) -> None:
    """Run `app` until SIGINT or SIGTERM, then drain and stop without refusing anyone.

    On the signal `/readyz` answers 503 at once while the listener keeps serving for
    KONTAKT_DRAIN_SECONDS (load balancers take the copy out meanwhile); then the listener
    closes and requests in flight get KONTAKT_SHUTDOWN_TIMEOUT seconds to finish.
    """
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=settings.shutdown_timeout)
    await runner.setup()
    site = await listen(runner, settings.host, port, activated_socket())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
        app[DRAINING].set()
        log.info("draining", extra={"seconds": settings.drain_seconds})
        await asyncio.sleep(settings.drain_seconds)
        await site.stop()
        # aiohttp's own shutdown drops bodies still arriving: wait for the handlers first.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(app[IN_FLIGHT].idle.wait(), settings.shutdown_timeout)
    finally:
        await runner.cleanup()
    log.info("stopped")


async def serve_probes(
    settings: Settings, pool: asyncpg.Pool, schema: str, migrations: Path
) -> web.AppRunner | None:
    """`/healthz`, `/readyz` and `/metrics` on KONTAKT_WORKER_PORT (or the socket a supervisor
    passed) for a process without an API (the standalone worker), so it is probed and scraped
    like the services; None when the port is 0 and no socket was passed."""
    sock = activated_socket()
    if not settings.worker_port and sock is None:
        return None
    app = base_app(settings)
    app[POOL_KEY] = pool
    add_health(app, database_ready(POOL_KEY, schema, migrations))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await listen(runner, settings.host, settings.worker_port, sock)
    return runner


async def apply_migrations(settings: Settings, service: str, schema: Schema) -> int:
    """The migration step for one service: apply its schema's migrations, idempotently."""
    if schema is None:
        print(f"{service}: owns no tables, nothing to migrate")
        return 0
    name, folder = schema
    # One connection; the lock is transaction-level, so this works through a pooler too.
    conn = await connect_once(settings)
    try:
        applied = await migrate(conn, name, folder, runtime_role=settings.db_runtime_role)
    finally:
        await conn.close()
    done = ", ".join(f"{v:03d}" for v in applied) or "nothing (already current)"
    print(f"{service}: applied {done} to schema {name}")
    return 0


async def housekeeping(settings: Settings, service: str, chores: Chores | None) -> int:
    """Housekeeping once (a CronJob's command): prune what the service keeps no longer."""
    if chores is None:
        print(f"{service}: owns no tables, nothing to prune")
        return 0
    deleted = await prune_once(settings, chores)
    done = ", ".join(f"{table} {count}" for table, count in deleted.items())
    print(f"{service}: deleted {done}")
    return 0


async def restore_check(
    settings: Settings, service: str, schema: Schema, extra: Extra | None
) -> int:
    """What must hold after a restore, one line per check; 1 when any does not."""
    if schema is None:
        print(f"{service}: owns no tables, nothing to check")
        return 0
    findings = await check(settings, schema[0], schema[1], extra)
    for finding in findings:
        print(f"{service}: {'ok' if finding.ok else 'FAIL'} {finding.what}: {finding.detail}")
    return 0 if all(f.ok for f in findings) else 1


def run_service(
    app_factory: AppFactory,
    service: str,
    port_of: Callable[[Settings], int],
    schema: Schema,
    chores: Chores | None = None,
    restore_checks: Extra | None = None,
) -> None:
    """The body of every service's `__main__`: serve, or `migrate`, `housekeeping` once, or
    `restore-check` (its own checks in `restore_checks`)."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "migrate", "housekeeping", "restore-check"],
        default="serve",
        help="serve (the default); or apply this service's migrations, prune once, or check "
        "its schema after a restore, and exit",
    )
    command = parser.parse_args().command
    try:
        settings = Settings.from_env()
        setup_logging(service, settings.log_level, settings.log_format)
        if command == "migrate":
            sys.exit(asyncio.run(apply_migrations(settings, service, schema)))
        if command == "housekeeping":
            sys.exit(asyncio.run(housekeeping(settings, service, chores)))
        if command == "restore-check":
            sys.exit(asyncio.run(restore_check(settings, service, schema, restore_checks)))
        app = app_factory(settings)
        # What start-up loaded (modules, the app, its OpenAPI document) lives as long as the
        # process: out of every collection, so each full one walks only what requests made.
        gc.freeze()
        asyncio.run(serve(app, settings, port_of(settings)))
    except (SettingsError, MigrationError) as exc:
        sys.exit(f"{service}: {exc}")
