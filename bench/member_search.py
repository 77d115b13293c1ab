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
                "       format('Žydrūnė Kisevičienė %s', n) "
                "  FROM generate_series(1, $1::int) n RETURNING id) "
                "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
                "SELECT (SELECT id FROM mailing.lists WHERE slug = $2), id, 'confirmed', 'et' "
                "  FROM s",
                size,
                f"bench-{size}",
            )
        await conn.execute("ANALYZE mailing.subscribers")
        await conn.execute("ANALYZE mailing.subscriptions")
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
            ("search 'kisevič'", {"limit": "50", "q": "kisevič"}),
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
