"""The console's main pages over HTTP as a coordinator sees them, at 1,000, 10,000 and 100,000
subscribers: one newsletter grows between the sizes (with a finished campaign per size, its
deliveries written), and each page's latency is compared with the same page at the first size,
measured in the same run. Flat means a page costs the same however large the list is.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any
from urllib.parse import urlencode

import aiohttp
import asyncpg

from bench.load import measure, peak_rss_mb

SIZES = [int(n) for n in os.environ.get("BENCH_CONSOLE_SIZES", "1000,10000,100000").split(",")]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
SLUG = "bench-console"
# A name one subscriber in a thousand has: a search that finds few among many.
RARE = "Jõemets"


def _list() -> dict[str, Any]:
    return {
        "slug": SLUG,
        "network": "lv",
        "lang": "lv",
        "names": {"lv": "Jaunumi", "en": "News"},
        "from_name": "Daina Mežecka",
        "from_address": "jaunumi@example.lv",
    }


async def _grow(db_url: str, mailing: str, token: str, size: int) -> None:
    """The list up to `size` confirmed subscribers, and a campaign sent to all of them
    (written straight into the tables: set-up, not measured)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{mailing}/v1/lists", json=_list()) as reply:
            if reply.status not in (201, 409):
                raise RuntimeError(f"creating the list: {reply.status} {await reply.text()}")
        body = {"subject": f"Jaunumi {size}", "body": "Labdien, {name}!"}
        async with session.post(f"{mailing}/v1/lists/{SLUG}/campaigns", json=body) as reply:
            if reply.status != 201:
                raise RuntimeError(f"creating a campaign: {reply.status} {await reply.text()}")
            campaign = (await reply.json())["id"]
    conn = await asyncpg.connect(db_url)
    try:
        list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = $1", SLUG)
        have = await conn.fetchval(
            "SELECT count(*) FROM mailing.subscriptions WHERE list_id = $1", list_id
        )
        await conn.execute(
            "WITH s AS (INSERT INTO mailing.subscribers (email, name) "
            "SELECT format('lasitajs.%s@riga.lv', n), "
            "       CASE WHEN n % 1000 = 1 THEN format('Mari %s %s', $3::text, n) "
            "            ELSE format('Daina Mežecka %s', n) END "
            "  FROM generate_series($1::int + 1, $2::int) n RETURNING id) "
            "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
            "SELECT $4, id, 'confirmed', 'lv' FROM s",
            have,
            size,
            RARE,
            list_id,
        )
        await conn.execute(
            "INSERT INTO mailing.deliveries (campaign_id, subscriber_id, status, sent_at) "
            "SELECT $1, subscriber_id, 'sent', now() FROM mailing.subscriptions "
            " WHERE list_id = $2",
            campaign,
            list_id,
        )
        await conn.execute("UPDATE mailing.campaigns SET status = 'done' WHERE id = $1", campaign)
        for table in ("subscribers", "subscriptions", "deliveries", "campaigns"):
            await conn.execute(f"ANALYZE mailing.{table}")
    finally:
        await conn.close()


async def _session(console: str, token: str) -> str:
    """Sign in through the form, as a coordinator does; the Cookie header the pages need."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{console}/signin",
            data={"token": token, "lang": "lv"},
            headers={"Origin": console},
            allow_redirects=False,
        ) as reply,
    ):
        if reply.status != 303:
            raise RuntimeError(f"signing in: {reply.status} {await reply.text()}")
        return "; ".join(f"{c.key}={c.value}" for c in reply.cookies.values())


async def _check(url: str, cookie: str, expected: str) -> None:
    """The page answers 200 with what it should show (not a redirect to the sign-in form)."""
    async with (
        aiohttp.ClientSession(headers={"Cookie": cookie}) as http,
        http.get(url, allow_redirects=False) as reply,
    ):
        text = await reply.text()
        if reply.status != 200 or expected not in text:
            raise RuntimeError(f"{url}: {reply.status}, {expected!r} not shown")


def run(
    env: dict[str, str], db_url: str, directory: str, mailing: str, token: str
) -> tuple[list[dict[str, Any]], subprocess.Popen[bytes]]:
    """Latency of each console page per list size; and the console process (to stop)."""
    from bench.__main__ import start, wait_for
    from tests.support.ports import Reserved

    listener = Reserved()
    console_env = dict(
        env,
        KONTAKT_DIRECTORY_URL=directory,
        KONTAKT_MAILING_URL=mailing,
        KONTAKT_PUBLIC_CONSOLE_URL=listener.url,
        KONTAKT_SMTP_URL="smtp://127.0.0.1:9",  # the sign-in mail is not used here
    )
    process, _ = start(
        [sys.executable, "-m", "services.console"], console_env, "KONTAKT_CONSOLE_PORT", listener
    )
    console = listener.url
    wait_for(f"{console}/readyz")
    rows: list[dict[str, Any]] = []
    baselines: dict[str, float] = {}
    for size in SIZES:
        asyncio.run(_grow(db_url, mailing, token, size))
        cookie = asyncio.run(_session(console, token))
        middle = f"lasitajs.{size // 2}@riga.lv"
        pages = [
            ("newsletters (/lists)", "/lists", SLUG),
            ("newsletter, its campaigns", f"/lists/{SLUG}", f"Jaunumi {size}"),
            (
                "members, first page",
                f"/lists/{SLUG}?{urlencode({'status': 'confirmed'})}",
                "lasitajs.",
            ),
            (
                "members, middle page",
                f"/lists/{SLUG}?{urlencode({'status': 'confirmed', 'after': middle})}",
                "lasitajs.",
            ),
            ("members, search 'mežecka'", f"/lists/{SLUG}?{urlencode({'q': 'mežecka'})}", "Daina"),
            (f"members, search '{RARE.lower()}'", f"/lists/{SLUG}?{urlencode({'q': RARE})}", RARE),
        ]
        for name, path, expected in pages:
            asyncio.run(_check(f"{console}{path}", cookie, expected))
            result = measure(f"{console}{path}", SECONDS, connections=4, headers={"Cookie": cookie})
            # The baseline is the same page at the first size, measured in this run.
            base = baselines.setdefault(name, result.p50_ms)
            rows.append(
                {
                    "benchmark": f"console {name}, {size:,} subscribers",
                    "req_per_s": round(result.requests_per_s),
                    "p50_ms": round(result.p50_ms, 2),
                    "p99_ms": round(result.p99_ms, 2),
                    "latency_ratio": round(result.p50_ms / max(base, 1e-9), 2),
                    "peak_rss_mib": round(peak_rss_mb(process.pid), 1),
                    "tool": result.tool,
                }
            )
    return rows, process


def print_rows(rows: list[dict[str, Any]]) -> None:
    """The rows as a table: latency, and its ratio to the same page at the first size."""
    print(
        f"\n{'benchmark':<60} {'p50 ms':>8} {'p99 ms':>8} {'x first':>7} {'req/s':>7} "
        f"{'RSS MiB':>8}"
    )
    for r in rows:
        print(
            f"{r['benchmark']:<60} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['latency_ratio']:>7} "
            f"{r['req_per_s']:>7} {r['peak_rss_mib']:>8}"
        )


def main() -> int:
    """`python -m bench.console_pages`: these rows alone, on a system of their own."""
    import tempfile
    from pathlib import Path

    from bench.__main__ import ROOT, bench_env, start, stop_system, wait_for
    from devstack.embedded import start_postgres

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
        mailing_env = dict(
            env, KONTAKT_DIRECTORY_URL=directory_url, KONTAKT_SMTP_URL="smtp://127.0.0.1:9"
        )
        mailing, port = start(
            [sys.executable, "-m", "services.mailing"], mailing_env, "KONTAKT_MAILING_PORT"
        )
        processes.append(mailing)
        mailing_url = f"http://127.0.0.1:{port}"
        wait_for(f"{mailing_url}/readyz")
        rows, console = run(env, db_url, directory_url, mailing_url, token)
        processes.append(console)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        stop_system(server, data)
    print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
