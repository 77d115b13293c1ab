"""Member search at 1,000, 10,000 and 100,000 subscribers: a page costs the same at each size."""

from __future__ import annotations

import asyncio
import os
from typing import Any
from urllib.parse import urlencode

import aiohttp
import asyncpg

from bench.load import measure, peak_rss_mb

SIZES = [int(n) for n in os.environ.get("BENCH_MEMBER_SIZES", "1000,10000,100000").split(",")]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def _list(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "network": "ee",
        "lang": "et",
        "names": {"et": "Uudiskiri", "en": "Newsletter"},
        "from_name": "Madis Kanarbik",
        "from_address": "uudised@example.ee",
    }


async def _fill(db_url: str, mailing: str, token: str) -> None:
    """A list per size, its subscribers written straight into the tables (set-up, not measured)."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        for size in SIZES:
            async with session.post(f"{mailing}/v1/lists", json=_list(f"bench-{size}")) as reply:
                if reply.status not in (201, 409):
                    raise RuntimeError(f"creating the list: {reply.status} {await reply.text()}")
    conn = await asyncpg.connect(db_url)
    try:
        for size in SIZES:
            await conn.execute(
                "WITH s AS (INSERT INTO mailing.subscribers (email, name) "
                "SELECT format('lugeja.%s.%s@tartu.ee', $1::int, n), "
                "       CASE WHEN n % 1000 = 1 THEN format('Mari Jõemets %s', n) "
                "            ELSE format('Žydrūnė Kisevičienė %s', n) END "
                "  FROM generate_series(1, $1::int) n RETURNING id) "
                "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
                "SELECT (SELECT id FROM mailing.lists WHERE slug = $2), id, 'confirmed', 'et' "
                "  FROM s",
                size,
                f"bench-{size}",
            )
        # As autovacuum leaves the tables after a bulk load (the GIN index's pending list merged).
        await conn.execute("VACUUM ANALYZE mailing.subscribers")
        await conn.execute("VACUUM ANALYZE mailing.subscriptions")
    finally:
        await conn.close()


def run(db_url: str, mailing: str, token: str, pid: int) -> list[dict[str, Any]]:
    """Requests per second for a first page, a middle page and a search, per list size."""
    asyncio.run(_fill(db_url, mailing, token))
    headers = {"Authorization": f"Bearer {token}"}
    rows: list[dict[str, Any]] = []
    baselines: dict[str, float] = {}
    for size in SIZES:
        middle = f"lugeja.{size}.{size // 2}@tartu.ee"
        cases = [
            ("first page", {"limit": "50"}),
            ("middle page", {"limit": "50", "after": middle}),
            # Nearly everyone, and one in a thousand (the index's case).
            ("search 'kisevič'", {"limit": "50", "q": "kisevič"}),
            ("search 'jõemets'", {"limit": "50", "q": "jõemets"}),
        ]
        for case, query in cases:
            url = f"{mailing}/v1/lists/bench-{size}/members?{urlencode(query)}"
            result = measure(url, SECONDS, connections=8, headers=headers)
            # The baseline is the same request on the smallest list, measured in this run.
            base = baselines.setdefault(case, result.requests_per_s)
            rows.append(
                {
                    "benchmark": f"members, {case}, {size:,} subscribers",
                    "req_per_s": round(result.requests_per_s),
                    "ratio_to_baseline": round(result.requests_per_s / max(base, 1e-9), 2),
                    "p50_ms": round(result.p50_ms, 2),
                    "p99_ms": round(result.p99_ms, 2),
                    "peak_rss_mib": round(peak_rss_mb(pid), 1),
                    "tool": result.tool,
                }
            )
    return rows


def main() -> int:
    """`python -m bench.member_search`: these rows alone, on a system of their own."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from bench.__main__ import ROOT, bench_env, start, wait_for
    from devstack.embedded import start_postgres, stop_postgres

    data = Path(tempfile.mkdtemp(prefix="kontakt-bench-"))
    server, db_url = start_postgres(data)
    env = bench_env(db_url, data)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        cli = [sys.executable, "-m", "services.directory.cli"]
        subprocess.run([*cli, "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        admin = [*cli, "admin", "create", "bench@example.ee"]
        done = subprocess.run(admin, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
        token = done.stdout.strip()
        directory, port = start(
            [sys.executable, "-m", "services.directory"], env, "KONTAKT_DIRECTORY_PORT"
        )
        processes.append(directory)
        directory_url = f"http://127.0.0.1:{port}"
        wait_for(f"{directory_url}/readyz")
        # Nothing is sent here: the SMTP URL only satisfies the service's start-up check.
        mailing_env = dict(
            env, KONTAKT_DIRECTORY_URL=directory_url, KONTAKT_SMTP_URL="smtp://127.0.0.1:9"
        )
        mailing, port = start(
            [sys.executable, "-m", "services.mailing"], mailing_env, "KONTAKT_MAILING_PORT"
        )
        processes.append(mailing)
        mailing_url = f"http://127.0.0.1:{port}"
        wait_for(f"{mailing_url}/readyz")
        rows = run(db_url, mailing_url, token, mailing.pid)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        stop_postgres(server)
    print(f"\n{'benchmark':<52} {'req/s':>7} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(
            f"{r['benchmark']:<52} {r['req_per_s']:>7} {r['ratio_to_baseline']:>6} "
            f"{r['p50_ms']:>8} {r['p99_ms']:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
