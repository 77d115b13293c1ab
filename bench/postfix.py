"""Postfix's smtp-sink as the receiving server, and its smtp-source as the sending baseline."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import time
from pathlib import Path

SBIN = (Path("/usr/sbin"), Path("/usr/lib/postfix/sbin"))


def tool(name: str) -> str | None:
    """Path of a Postfix test tool (Debian's `postfix` package), or None."""
    found = shutil.which(name)
    if found:
        return found
    for folder in SBIN:
        if (folder / name).exists():
            return str(folder / name)
    return None


def available() -> bool:
    """Whether both smtp-sink and smtp-source are installed."""
    return tool("smtp-sink") is not None and tool("smtp-source") is not None


async def start_sink(port: int) -> asyncio.subprocess.Process:
    """smtp-sink on 127.0.0.1:port, accepting up to 256 sessions."""
    sink = tool("smtp-sink")
    assert sink is not None
    args = [sink]
    # smtp-sink refuses to run as root without an unprivileged user to switch to.
    if os.geteuid() == 0:
        args += ["-u", "nobody"]
    process = await asyncio.create_subprocess_exec(
        *args, f"127.0.0.1:{port}", "256", stdout=asyncio.subprocess.DEVNULL
    )
    try:
        await listening(port)
    except RuntimeError:
        process.terminate()
        raise
    return process


async def listening(port: int, within: float = 20) -> None:
    """Wait until something accepts connections on 127.0.0.1:port (a started sink)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


async def source_rate(port: int, messages: int, size: int) -> float:
    """Messages per second smtp-source sends: 4 sessions, several messages each (-s 4 -d)."""
    source = tool("smtp-source")
    assert source is not None
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        source,
        "-s",
        "4",
        "-d",
        "-m",
        str(messages),
        "-l",
        str(size),
        "-f",
        "uudised@example.ee",
        "-t",
        "lugeja@example.ee",
        f"127.0.0.1:{port}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"smtp-source failed: {err.decode(errors='replace')[-500:]}")
    return messages / (time.perf_counter() - started)
