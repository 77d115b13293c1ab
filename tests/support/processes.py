"""Kontakt processes started as an operator starts them: a command, an environment, a port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.support.activation import activated
from tests.support.ports import Reserved


@dataclass
class Process:
    """One started process, its output in a file, and the URL of its probes when it has one."""

    name: str
    process: asyncio.subprocess.Process
    log: Path
    base: str | None = None

    def output(self) -> str:
        """What it wrote to stdout and stderr so far (its last 4,000 characters)."""
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


async def start(
    name: str, argv: list[str], env: dict[str, str], cwd: Path, listener: Reserved | None = None
) -> Process:
    """Start `argv` with exactly `env` (nothing inherited) in `cwd`; output goes to a file.

    With `listener`, the process is given that socket (socket activation, see activation.py):
    its port was ours before it started, and its probes are there.
    """
    log = cwd / f"{name}.log"
    fds: tuple[int, ...] = ()
    if listener is not None:
        argv, fds = activated(listener, argv)
    try:
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *argv, env=env, cwd=cwd, stdout=out, stderr=asyncio.subprocess.STDOUT, pass_fds=fds
            )
    finally:
        if listener is not None:
            listener.sock.close()  # the child's copy is the listener now
    return Process(name, process, log, listener.url if listener else None)


async def finished(process: Process, within: float) -> int:
    """Its exit code; AssertionError (with its output) when it runs longer than `within`."""
    try:
        return await asyncio.wait_for(process.process.wait(), within)
    except TimeoutError:
        message = f"{process.name} still runs after {within}s:\n{process.output()}"
        raise AssertionError(message) from None


async def until_ready(processes: list[Process], within: float = 120.0) -> None:
    """Wait until every process with a port answers `/readyz` with 200.

    AssertionError naming the process (with its output) when one exits or is not ready in time.
    """
    deadline = time.monotonic() + within
    waiting = [p for p in processes if p.base]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while waiting:
            for process in list(waiting):
                code = process.process.returncode
                assert code is None, f"{process.name} exited with {code}:\n{process.output()}"
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{process.base}/readyz") as answer:
                        if answer.status == 200:
                            waiting.remove(process)
            if waiting and time.monotonic() > deadline:
                names = ", ".join(p.name for p in waiting)
                raise AssertionError(f"not ready in {within}s: {names}\n{waiting[0].output()}")
            await asyncio.sleep(0.3)


async def stop(processes: list[Process], within: float) -> dict[str, int]:
    """SIGTERM every process still running, as Kubernetes does; their exit codes by name.

    A process that outlives `within` seconds is killed (SIGKILL, as after the grace period)
    and reported as -9.
    """
    for process in processes:
        if process.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.process.send_signal(signal.SIGTERM)
    codes: dict[str, int] = {}
    for process in processes:
        try:
            codes[process.name] = await asyncio.wait_for(process.process.wait(), within)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.process.kill()
            await process.process.wait()
            codes[process.name] = -signal.SIGKILL
    return codes


def base_env(path: str) -> dict[str, str]:
    """A container's environment: PATH and a locale, nothing of the test runner's."""
    env = {"PATH": path, "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/nonexistent")}
    # The test server may live on a Unix socket in a temporary folder: keep it findable.
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    return env
