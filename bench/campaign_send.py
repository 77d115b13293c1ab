"""Campaign send: the real worker and ledger against a naive sender, to the same sink."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from bench import postfix
from services.mailing.compose import CampaignTemplate
from services.mailing.paths import MIGRATIONS, QUERIES_DIR, SCHEMA
from services.mailing.worker import Worker
from shared.conn import Conn
from shared.db import create_pool
from shared.mail.message import Capabilities
from shared.mail.outbox import OUTBOX_QUERIES
from shared.mail.transport import SmtpConfig, send_one
from shared.migrate import migrate
from shared.queries import Queries
from shared.ratelimit import RATE_LIMITS
from shared.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BODY = (
    "# Tere, {name}!\n\nFOR-IN uudised: lõimumine, kohanemine ja koostöö.\n\n"
    + "Lorem ipsum. " * 80
)


async def prepare(conn: Conn, recipients: int) -> int:
    """A list with `recipients` confirmed subscribers and a campaign being sent to them."""
    await conn.execute(
        "TRUNCATE mailing.deliveries, mailing.campaigns, mailing.subscriptions, "
        "mailing.subscribers, mailing.lists RESTART IDENTITY CASCADE"
    )
    list_id = await conn.fetchval(
        "INSERT INTO mailing.lists (slug, network, lang, names, from_name, from_address) "
        "VALUES ('bench', 'ee', 'et', '{\"et\": \"Uudised\"}', 'Madis Kanarbik', "
        "'uudised@example.ee') "
        "RETURNING id"
    )
    await conn.execute(
        "INSERT INTO mailing.subscribers (email, name) "
        "SELECT 'reader' || i || '@example.ee', 'Lugeja Žydrūnė ' || i "
        "FROM generate_series(1, $1) i",
        recipients,
    )
    await conn.execute(
        "INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang) "
        "SELECT $1, id, 'confirmed', 'et' FROM mailing.subscribers",
        list_id,
    )
    campaign: int = await conn.fetchval(
        "INSERT INTO mailing.campaigns (list_id, subject, body, status, started_at) "
        "VALUES ($1, 'Uudised: Kisevičienė ja Jõemets', $2, 'sending', now()) RETURNING id",
        list_id,
        BODY,
    )
    await conn.execute(
        "INSERT INTO mailing.deliveries (campaign_id, subscriber_id) "
        "SELECT $1, subscriber_id FROM mailing.subscriptions WHERE list_id = $2",
        campaign,
        list_id,
    )
    return campaign


async def _unsent(pool: asyncpg.Pool, campaign: int) -> int:
    """After a short pause, how many of the campaign's messages are still to go."""
    await asyncio.sleep(0.25)
    async with pool.acquire() as conn:
        left: int = await conn.fetchval(
            "SELECT count(*) FROM mailing.deliveries WHERE campaign_id = $1 "
            "AND status IN ('queued', 'sending')",
            campaign,
        )
    return left


async def _worker_run(
    settings: Settings, pool: asyncpg.Pool, recipients: int
) -> tuple[float, float]:
    async with pool.acquire() as conn:
        campaign = await prepare(conn, recipients)
    worker = Worker(
        settings, pool, Queries.load(QUERIES_DIR, RATE_LIMITS, OUTBOX_QUERIES, schema=SCHEMA)
    )
    stop = asyncio.Event()
    process = psutil.Process()
    baseline_rss = process.memory_info().rss
    peak = baseline_rss
    started = time.perf_counter()
    task = asyncio.create_task(worker.run(stop))
    while await _unsent(pool, campaign):
        peak = max(peak, process.memory_info().rss)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    return recipients / elapsed, (peak - baseline_rss) / 2**20


async def _processes_run(
    settings: Settings, pool: asyncpg.Pool, recipients: int, workers: int
) -> tuple[float, float]:
    """The same campaign sent by `workers` worker processes sharing the ledger and the budget.

    The budget (KONTAKT_SEND_RATE, KONTAKT_SEND_HOURLY) is set above what they reach, so the
    row measures what the shared accounting in PostgreSQL costs, not the pacing.
    """
    async with pool.acquire() as conn:
        campaign = await prepare(conn, recipients)
    env = dict(
        os.environ,
        KONTAKT_DATABASE_URL=settings.database_url or "",
        KONTAKT_SMTP_URL=settings.smtp_url or "",
        KONTAKT_SECRET_KEY=settings.secret_key or "",
        KONTAKT_SMTP_POOL=str(settings.smtp_pool),
        KONTAKT_SEND_RATE=str(settings.send_rate),
        KONTAKT_SEND_HOURLY=str(settings.send_hourly),
        KONTAKT_LOG_LEVEL="WARNING",
    )
    started = time.perf_counter()
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.mailing.worker", env=env, cwd=ROOT
        )
        for _ in range(workers)
    ]
    peak = 0.0
    while await _unsent(pool, campaign):
        for child in children:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, psutil.Process(child.pid).memory_info().rss / 2**20)
    elapsed = time.perf_counter() - started
    for child in children:
        child.terminate()
        await child.wait()
    return recipients / elapsed, peak


async def _naive_run(
    settings: Settings, pool: asyncpg.Pool, count: int, port: int
) -> tuple[float, int]:
    """Messages per second of the naive sender, and the size of one message in bytes."""
    async with pool.acquire() as conn:
        campaign_id = await prepare(conn, count)
        # The worker's own query: the campaign as the template reads it, every list field.
        queries = Queries.load(QUERIES_DIR, schema=SCHEMA)
        campaign = await conn.fetchrow(queries["get-campaign"], campaign_id)
        assert campaign is not None
        people = await conn.fetch("SELECT id, email, name, 'et' AS lang FROM mailing.subscribers")
    first = people[0]
    template = CampaignTemplate(settings, campaign, "et")
    size = len(template.render(first["id"], first["email"], first["name"], Capabilities()).data)
    semaphore = asyncio.Semaphore(settings.smtp_pool)
    config = SmtpConfig.from_settings(settings)

    async def one(person: asyncpg.Record) -> None:
        async with semaphore:
            # Everything made again for each message: the template and the connection.
            template = CampaignTemplate(settings, campaign, "et")
            await send_one(
                config,
                lambda caps: template.render(person["id"], person["email"], person["name"], caps),
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(p) for p in people))
    return count / (time.perf_counter() - started), size


async def measure(db_url: str, recipients: int, large: int | None) -> list[dict[str, Any]]:
    """The rows: worker msgs/s and memory, naive msgs/s, and memory at a larger campaign."""
    port = 20000 + os.getpid() % 20000
    sink = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.smtp_sink", str(port), cwd=ROOT
    )
    await postfix.listening(port)
    settings = Settings.from_env(
        {},
        database_url=db_url,
        smtp_url=f"smtp://127.0.0.1:{port}",
        secret_key=secrets.token_urlsafe(32),
        smtp_pool=8,
        send_rate=1_000_000,
        send_hourly=10**9,
        db_pool_max=10,
    )
    pool = await create_pool(settings, SCHEMA)
    try:
        async with pool.acquire() as conn:
            await migrate(conn, SCHEMA, MIGRATIONS)
        naive, size = await _naive_run(settings, pool, min(recipients, 2000), port)
        rate, memory = await _worker_run(settings, pool, recipients)
        rows = [
            {
                "benchmark": f"campaign send, {recipients} recipients: Kontakt worker",
                "msgs_per_s": round(rate),
                "ratio_to_baseline": round(rate / naive, 2),
                "peak_mib": round(memory, 1),
            },
            {
                "benchmark": "campaign send: naive (a connection per message)",
                "msgs_per_s": round(naive),
                "ratio_to_baseline": 1.0,
            },
        ]
        workers = int(os.environ.get("BENCH_WORKERS", "2"))
        if workers > 1:
            multi, multi_memory = await _processes_run(settings, pool, recipients, workers)
            rows.append(
                {
                    "benchmark": (
                        f"campaign send, {recipients} recipients: {workers} workers, "
                        "one shared budget (set above what they reach)"
                    ),
                    "msgs_per_s": round(multi),
                    "ratio_to_baseline": round(multi / naive, 2),
                    "peak_mib": round(multi_memory, 1),
                }
            )
        if postfix.available():
            rows += await _postfix_rows(settings, pool, recipients, size)
        if large:
            large_rate, large_memory = await _worker_run(settings, pool, large)
            rows.append(
                {
                    "benchmark": f"campaign send, {large} recipients: Kontakt worker",
                    "msgs_per_s": round(large_rate),
                    "ratio_to_baseline": round(large_rate / naive, 2),
                    "peak_mib": round(large_memory, 1),
                }
            )
        return rows
    finally:
        await pool.close()
        sink.terminate()
        await sink.wait()


async def _postfix_rows(
    settings: Settings, pool: asyncpg.Pool, recipients: int, size: int
) -> list[dict[str, Any]]:
    """The worker to Postfix's smtp-sink, against Postfix's smtp-source to the same sink."""
    port = 40000 + os.getpid() % 20000
    sink = await postfix.start_sink(port)
    try:
        pointed = settings.replace(smtp_url=f"smtp://127.0.0.1:{port}")
        rate, memory = await _worker_run(pointed, pool, recipients)
        source = await postfix.source_rate(port, recipients, size)
    finally:
        sink.terminate()
        await sink.wait()
    return [
        {
            "benchmark": f"campaign send to Postfix smtp-sink, {recipients}: Kontakt worker",
            "msgs_per_s": round(rate),
            "ratio_to_baseline": round(rate / source, 2),
            "peak_mib": round(memory, 1),
        },
        {
            "benchmark": f"Postfix smtp-source -s 4 -d, {size} B (baseline)",
            "msgs_per_s": round(source),
            "ratio_to_baseline": 1.0,
        },
    ]


def run(db_url: str) -> list[dict[str, Any]]:
    """For `make bench`: BENCH_RECIPIENTS (10,000) and, with BENCH_LARGE, a second size."""
    recipients = int(os.environ.get("BENCH_RECIPIENTS", "10000"))
    large = int(os.environ["BENCH_LARGE"]) if os.environ.get("BENCH_LARGE") else None
    return asyncio.run(measure(db_url, recipients, large))
