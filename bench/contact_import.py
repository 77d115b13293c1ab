"""Contact import: CSV and vCard files through the HTTP import, with and without bad rows.

Each file has BENCH_CONTACT_ROWS contacts (default 10,000) with Baltic names, a phone each
(national numbers, read in the network's country) and an address; the "bad" files have 1 %
of rows with an address that is not one (rejected) spread through them. The ratio compares
the bad file's rate with the clean one's, measured in the same run. A small import first
starts the service's checking worker, so no row pays for a process start.

Beside the rate (wall clock, which other work on the machine slows), each row gives the CPU
seconds the service (its workers included) and PostgreSQL spent, as rows per CPU-second:
what the import costs, whatever else the machine was doing.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import aiohttp
import psutil

GIVEN = ("Lina", "Daina", "Viivian", "Aistė", "Žydrūnė", "Jānis", "Ģirts", "Eglė", "Madis")
FAMILY = ("Kisevičienė", "Mežecka", "Jõemets", "Kiseliūnienė", "Bērziņš", "Ķēniņš", "Šimkūnaitė")
TITLES = ("Direktorė", "Projektu vadītāja", "Peaekspert", "Koordinaator", "Patarėja")


def people(count: int, bad_every: int | None, tag: str, first: int = 0) -> list[dict[str, str]]:
    """Contacts for one file; every `bad_every`-th has an address that is not one.

    Numbers run from `first`: each file's are new to the service, which remembers readings.
    """
    found = []
    for i in range(count):
        bad = bad_every is not None and i % bad_every == bad_every // 2
        n = first + i
        found.append(
            {
                "given": GIVEN[i % len(GIVEN)],
                "family": f"{FAMILY[i % len(FAMILY)]}-{i}",
                "title": TITLES[i % len(TITLES)],
                # Lithuanian mobile numbers written nationally, as a phone book has them.
                "phone": f"8 6{n // 100000 % 100:02d} {n % 100000:05d}",
                "email": f"{tag}.{i}@example" if bad else f"{tag}.{i}@example.lt",
            }
        )
    return found


def csv_file(rows: list[dict[str, str]]) -> bytes:
    """Kontakt's CSV columns (a subset)."""
    lines = ["given_name,family_name,title_lt,phones,emails"]
    lines += [f"{r['given']},{r['family']},{r['title']},{r['phone']},{r['email']}" for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def vcard_file(rows: list[dict[str, str]]) -> bytes:
    """vCard 3.0, as a phone exports it."""
    cards = [
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"N:{r['family']};{r['given']};;;\r\nFN:{r['given']} {r['family']}\r\n"
        f"TITLE:{r['title']}\r\nTEL;TYPE=CELL:{r['phone']}\r\n"
        f"EMAIL;TYPE=INTERNET:{r['email']}\r\nEND:VCARD\r\n"
        for r in rows
    ]
    return "".join(cards).encode()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes and all their children, now."""
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


async def _import(
    directory: str, token: str, body: bytes, content_type: str, pid: int
) -> tuple[float, float, dict[str, Any]]:
    """Seconds, the service's peak RSS (MiB) and the report, for one file."""
    service = psutil.Process(pid)
    peak = service.memory_info().rss
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": content_type,
        "Accept": "application/x-ndjson",
    }
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        async with session.post(
            f"{directory}/v1/contacts/import?network=lt&lang=lt",
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=600),
        ) as response:
            if response.status != 200:
                raise RuntimeError(f"import: {response.status} {await response.text()}")
            # The report is one line of a few MB (a line per row): read in pieces, not lines.
            answer = bytearray()
            async for piece in response.content.iter_chunked(65536):
                answer += piece
                peak = max(peak, service.memory_info().rss)
        elapsed = time.perf_counter() - started
    report: dict[str, Any] = json.loads(bytes(answer).splitlines()[-1])["report"]
    return elapsed, peak / 2**20, report


def run(
    directory: str, token: str, pid: int, postgres_pid: int | None = None
) -> list[dict[str, Any]]:
    """Four rows: CSV and vCard, clean and with 1 % bad rows; the bad ones' ratio to clean.

    `postgres_pid` is the postmaster of the service's database, for the CPU it spends.
    """
    count = int(os.environ.get("BENCH_CONTACT_ROWS", "10000"))
    measured = [pid] + ([postgres_pid] if postgres_pid else [])
    # The warm-up's numbers come after every file's.
    warm = csv_file(people(50, None, "warm-up", first=4 * count))
    asyncio.run(_import(directory, token, warm, "text/csv", pid))
    found: list[dict[str, Any]] = []
    files = 0
    for fmt, content_type, write in (
        ("CSV", "text/csv", csv_file),
        ("vCard", "text/vcard", vcard_file),
    ):
        clean_rate = 0.0
        for bad_every, label in ((None, "clean"), (100, "1 % bad")):
            tag = f"{fmt.lower()}-{label[0]}"
            body = write(people(count, bad_every, tag, first=files * count))
            files += 1
            cpu_before = cpu_seconds(measured)
            seconds, peak, report = asyncio.run(_import(directory, token, body, content_type, pid))
            cpu = cpu_seconds(measured) - cpu_before
            rejected = count // bad_every if bad_every else 0
            if (report["created"], report["rejected"]) != (count - rejected, rejected):
                got = f"{report['created']} created, {report['rejected']} rejected"
                raise RuntimeError(f"{fmt} {label}: {got}")
            rate = count / seconds
            clean_rate = clean_rate or rate
            found.append(
                {
                    "benchmark": f"contact import, {count} {fmt} rows, {label} (HTTP)",
                    "rows_per_s": round(rate),
                    "ratio_to_baseline": round(rate / clean_rate, 2),
                    "peak_mib": round(peak, 1),
                    "rows_per_cpu_s": round(count / max(cpu, 1e-9)),
                }
            )
    return found


def main() -> int:
    """`python -m bench.contact_import`: only these rows, on their own database and directory."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from bench.__main__ import ROOT, _print_units, bench_env, start, stop_system, wait_for
    from devstack.embedded import start_postgres

    data = Path(tempfile.mkdtemp(prefix="kontakt-bench-import-"))
    server, db_url = start_postgres(data)
    env = bench_env(db_url, data)
    directory: subprocess.Popen[bytes] | None = None
    try:
        cli = [sys.executable, "-m", "services.directory.cli"]
        subprocess.run([*cli, "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        token = subprocess.run(
            [*cli, "admin", "create", "bench@example.ee"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        command = [sys.executable, "-m", "services.directory"]
        directory, port = start(command, env, "KONTAKT_DIRECTORY_PORT")
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/readyz")
        postgres_pid = int((data / "postgres" / "postmaster.pid").read_text().split()[0])
        rows = run(base, token, directory.pid, postgres_pid)
    finally:
        if directory is not None:
            directory.terminate()
            directory.wait(10)
        stop_system(server, data)
    _print_units(rows, "rows/s", "rows_per_s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
