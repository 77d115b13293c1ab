"""Load generation: wrk when installed, else a bounded aiohttp client loop."""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass

import aiohttp
import psutil


@dataclass
class Result:
    """Throughput and latency of one run."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    tool: str


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str | None) -> float:
    """wrk's latency (`950.00us`, `4.20ms`, `1.01s`, `2.00m`) in milliseconds; NaN if unreadable."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value or "")
    if match is None:
        return float("nan")
    return float(match[1]) * UNITS_MS[match[2]]


def _field(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(1) if found else None


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> Result:
    """Run wrk with latency percentiles."""
    args = ["wrk", f"-c{connections}", "-t2", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        args, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rps = float(_field(r"Requests/sec:\s+([\d.]+)", out) or 0.0)
    p50 = _ms(_field(r"(?m)^\s+50%\s+(\S+)", out))
    p99 = _ms(_field(r"(?m)^\s+99%\s+(\S+)", out))
    return Result(rps, p50, p99, "wrk")


async def _python_load(url: str, seconds: int, connections: int, headers: dict[str, str]) -> Result:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                latencies.append((time.perf_counter() - start) * 1000)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Result(len(latencies) / elapsed, cuts[49], cuts[98], "aiohttp")


def measure(
    url: str, seconds: int = 10, connections: int = 64, headers: dict[str, str] | None = None
) -> Result:
    """Load `url` for `seconds` with `connections` at once."""
    if shutil.which("wrk"):
        return wrk(url, seconds, connections, headers or {})
    return asyncio.run(_python_load(url, seconds, connections, headers or {}))


def peak_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    process = psutil.Process(pid)
    total = process.memory_info().rss + sum(
        c.memory_info().rss for c in process.children(recursive=True)
    )
    return total / 2**20
