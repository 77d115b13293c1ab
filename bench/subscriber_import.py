"""Subscriber import: CSV rows through the mailing service's HTTP import against a raw COPY."""

from __future__ import annotations

import asyncio
import io
import json
import os
import time
from typing import Any

import aiohttp
import asyncpg
import psutil

LIST = {
    "slug": "bench-import",
    "network": "ee",
    "lang": "et",
    "names": {"et": "Uudiskiri", "en": "Newsletter"},
    "from_name": "Madis Kanarbik",
    "from_address": "uudised@example.ee",
}


def csv_rows(count: int) -> bytes:
    """`count` rows with Baltic names and a language column, as a coordinator would send."""
    langs = ("et", "lv", "lt", "en")
    out = io.StringIO()
    out.write("email,name,lang\r\n")
    for i in range(count):
        # Addresses as lists hold them: a few domains, one in ten internationalised.
        domain = "näide.ee" if i % 10 == 0 else ("lrv.lt", "gov.lv", "tartu.ee")[i % 3]
        out.write(f"Lugeja.{i}@{domain},Žydrūnė Kisevičienė {i},{langs[i % 4]}\r\n")
    return out.getvalue().encode()


async def _copy(db_url: str, body: bytes) -> float:
    """Seconds for PostgreSQL's own COPY of the same file into a scratch table."""
    conn = await asyncpg.connect(db_url)
    try:
        # A plain logged table, as the import's own tables are (a TEMP table would skip the WAL).
        await conn.execute("CREATE TABLE bench_scratch (email text, name text, lang text)")
        started = time.perf_counter()
        await conn.copy_to_table(
            "bench_scratch", source=io.BytesIO(body), format="csv", header=True
        )
        return time.perf_counter() - started
    finally:
        await conn.execute("DROP TABLE IF EXISTS bench_scratch")
        await conn.close()


async def _import(mailing: str, token: str, body: bytes, pid: int) -> tuple[float, float, int]:
    """Seconds, peak RSS of the service (MiB) and rows created, through POST /import."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{mailing}/v1/lists", json=LIST) as response:
            if response.status not in (201, 409):
                raise RuntimeError(f"creating the list: {response.status} {await response.text()}")
        service = psutil.Process(pid)
        peak = service.memory_info().rss
        started = time.perf_counter()
        async with session.post(
            # Rows without a status need the coordinator's statement of how people consented.
            f"{mailing}/v1/lists/{LIST['slug']}/import",
            params={"consent": "Benchmark rows, made up for the measurement"},
            data=body,
            headers={"Content-Type": "text/csv", "Accept": "application/x-ndjson"},
            timeout=aiohttp.ClientTimeout(total=600),
        ) as response:
            if response.status != 200:
                raise RuntimeError(f"import: {response.status} {await response.text()}")
            last = b""
            async for line in response.content:
                last = line
                peak = max(peak, service.memory_info().rss)
        elapsed = time.perf_counter() - started
    report = json.loads(last)["report"]
    if report["rejected"]:
        raise RuntimeError(f"import rejected rows: {report['rejected'][:3]}")
    return elapsed, peak / 2**20, int(report["created"])


def run(db_url: str, mailing: str, token: str, pid: int) -> list[dict[str, Any]]:
    """The rows: import rows/s against COPY rows/s (BENCH_IMPORT_ROWS, default 100,000)."""
    count = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    body = csv_rows(count)
    copy_seconds = asyncio.run(_copy(db_url, body))
    seconds, peak, created = asyncio.run(_import(mailing, token, body, pid))
    if created != count:
        raise RuntimeError(f"import created {created} of {count} rows")
    return [
        {
            "benchmark": f"subscriber import, {count} CSV rows (HTTP, validated)",
            "rows_per_s": round(count / seconds),
            "ratio_to_baseline": round(copy_seconds / seconds, 2),
            "peak_mib": round(peak, 1),
        },
        {
            "benchmark": "raw COPY of the same rows (baseline)",
            "rows_per_s": round(count / copy_seconds),
            "ratio_to_baseline": 1.0,
        },
    ]
