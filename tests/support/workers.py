"""Standalone sending workers, started, heard and stopped as an operator does."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.support.mailing import Mailing

ROOT = Path(__file__).resolve().parents[2]


def worker_env(mailing: Mailing, **extra: str) -> dict[str, str]:
    """The environment of a standalone worker process for this test's services."""
    settings = mailing.settings
    return dict(
        os.environ,
        KONTAKT_DATABASE_URL=settings.database_url or "",
        KONTAKT_SMTP_URL=settings.smtp_url or "",
        KONTAKT_SECRET_KEY=settings.secret_key or "",
        KONTAKT_PUBLIC_MAILING_URL=mailing.base,
        **{f"KONTAKT_{k.upper()}": v for k, v in {"log_level": "INFO", **extra}.items()},
    )


STARTED: list[asyncio.subprocess.Process] = []

# Each started worker's output (its log lines), by process id.
OUTPUT: dict[int, Path] = {}


async def start_worker(mailing: Mailing, **extra: str) -> asyncio.subprocess.Process:
    """`python -m services.mailing.worker`, as an operator runs more of them."""
    out, log = tempfile.mkstemp(prefix="kontakt-worker-", suffix=".log")
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.mailing.worker",
            env=worker_env(mailing, **extra),
            cwd=ROOT,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    finally:
        os.close(out)
    STARTED.append(process)
    OUTPUT[process.pid] = Path(log)
    return process


async def said(process: asyncio.subprocess.Process, text: str, within: float = 60) -> None:
    """Wait until the worker logged `text`; AssertionError (with its output) if it did not."""
    log = OUTPUT[process.pid]
    deadline = time.monotonic() + within
    while text not in log.read_text(errors="replace"):
        output = log.read_text(errors="replace")[-2000:]
        assert time.monotonic() < deadline, f"the worker did not say {text!r}:\n{output}"
        assert process.returncode is None, f"the worker exited:\n{output}"
        await asyncio.sleep(0.05)


async def stop_worker(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, and wait for it to go (killed after 20 s: a test never leaves one behind)."""
    if process.returncode is None:
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()
    if process.pid in OUTPUT:
        OUTPUT.pop(process.pid).unlink(missing_ok=True)
