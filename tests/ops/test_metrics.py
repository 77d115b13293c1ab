"""/metrics on every service and one JSON access-log line per request, with its request id."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.queries import Queries
from tests.conftest import MakeAccount
from tests.ops.smoke import smoke_path
from tests.support.forms import subscribe_by_form
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import make_list

pytestmark = pytest.mark.usefixtures("demo")


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, parsed by Prometheus's own parser."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_and_access_log_follow_the_traffic(
    mailing: Mailing, make_account: MakeAccount, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kontakt.access"):
        await smoke_path(mailing, make_account)
        reply = await mailing.directory.get("/v1/networks", headers={"X-Request-Id": "abc-123"})
    assert reply.status == 200
    line = next(r for r in caplog.records if getattr(r, "request_id", "") == "abc-123")
    assert (line.route, line.method, line.status) == ("/v1/networks", "GET", 200)  # type: ignore[attr-defined]
    for service in (mailing.directory, mailing.api):
        scraped = await service.get("/metrics")
        assert scraped.status == 200
        assert scraped.headers["Content-Type"].startswith("text/plain")
        found = samples(scraped.text)
        assert found[("kontakt_db_pool_connections", frozenset({("state", "open")}))] >= 1
    requests = found[
        (
            "kontakt_http_requests_total",
            frozenset(
                {("route", "/v1/networks/{slug}/contacts"), ("method", "GET"), ("status", "200")}
            ),
        )
    ]
    assert requests >= 1
    assert found[("kontakt_worker_deliveries_total", frozenset({("outcome", "sent")}))] >= 1
    unmatched = (
        "kontakt_http_requests_total",
        frozenset({("route", "unmatched"), ("method", "GET"), ("status", "404")}),
    )
    before = found.get(unmatched, 0)
    await mailing.api.get("/no/such/page")
    assert samples((await mailing.api.get("/metrics")).text)[unmatched] == before + 1


async def test_outcomes_caches_queues_and_campaigns_are_counted_and_logged(
    start_mailing: StartMailing, make_account: MakeAccount, caplog: pytest.LogCaptureFixture
) -> None:
    from services.mailing.outbox import outbox
    from services.mailing.paths import QUERIES_DIR, SCHEMA
    from shared.db import create_pool
    from shared.mail.outbox import OUTBOX_QUERIES
    from shared.ratelimit import RATE_LIMITS

    # No worker in the service: this test steps one of its own, so nothing races; the
    # outbox (confirmations) runs as the service runs it.
    mailing = await start_mailing(mailing_worker=False)
    pool = await create_pool(mailing.settings, SCHEMA)
    queries = Queries.load(QUERIES_DIR, RATE_LIMITS, OUTBOX_QUERIES, schema=SCHEMA)
    stop = asyncio.Event()
    confirmations = asyncio.create_task(outbox(mailing.settings, pool, queries).run(stop))
    try:
        await check_outcomes_caches_queues_and_campaigns(
            mailing, make_account, caplog, pool, queries
        )
    finally:
        stop.set()
        await confirmations
        await pool.close()


async def check_outcomes_caches_queues_and_campaigns(
    mailing: Mailing,
    make_account: MakeAccount,
    caplog: pytest.LogCaptureFixture,
    pool: asyncpg.Pool,
    queries: Queries,
) -> None:
    """Reveals, caches, subscriptions; then a campaign sent by a worker stepped by hand."""
    from services.mailing.worker import Worker

    scrape = mailing.api.get
    before = samples((await scrape("/metrics")).text)

    def delta(after: dict[Any, float], name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0) - before.get(key, 0)

    # Reveals and the directory's cache.
    listing = "/v1/networks/for-in/contacts?member=lt"
    for _ in range(2):
        assert (await mailing.directory.get(listing)).status == 200
    assert (await mailing.directory.post("/v1/reveal", json={"token": "x.y"})).status == 403
    # Subscriptions: three accepted, one refused form.
    _, token = await make_account(
        "ee@example.ee", permissions={"ee": ("manage_lists", "send_campaigns")}
    )
    await make_list(mailing, token)
    for n in range(3):
        await subscribe_by_form(mailing, "ee-uudised", f"lugeja{n}@example.ee")
        assert (await mailing.api.post(mailing.links("/confirm/")[-1].split("?")[0])).status == 200
    refused = await mailing.api.post("/subscribe/ee-uudised", data={"email": "a@example.ee"})
    assert refused.status == 403
    found = samples((await scrape("/metrics")).text)
    assert delta(found, "kontakt_reveals_total", outcome="refused") == 1
    assert delta(found, "kontakt_cache_lookups_total", cache="bodies", result="hit") >= 1
    assert delta(found, "kontakt_subscribe_requests_total", channel="form", outcome="accepted") == 3
    assert delta(found, "kontakt_subscribe_requests_total", channel="form", outcome="refused") == 1

    api = mailing.api.as_(token)
    made = await api.post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Tere", "body": "Tere!"}
    )
    campaign = str(made.json["id"])
    paused = await api.post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Hiljem", "body": "."}
    )
    with caplog.at_level(logging.INFO, logger="kontakt"):
        assert (await api.post(f"/v1/campaigns/{campaign}/send")).status == 202
        assert (await api.post(f"/v1/campaigns/{paused.json['id']}/send")).status == 202
        assert (await api.post(f"/v1/campaigns/{paused.json['id']}/pause")).status == 200
        worker = Worker(mailing.settings, pool, queries)
        await worker.step(asyncio.Event())  # claims and sends the campaign's three
        depth = samples((await scrape("/metrics")).text)
        assert depth[("kontakt_worker_queue_depth", frozenset({("campaign", campaign)}))] == 3
        await worker.step(asyncio.Event())  # nothing left: the campaign is done
    done = samples((await scrape("/metrics")).text)
    assert ("kontakt_worker_queue_depth", frozenset({("campaign", campaign)})) not in done
    assert delta(done, "kontakt_worker_deliveries_total", outcome="sent") == 3
    events = {(r.getMessage(), getattr(r, "campaign", None)) for r in caplog.records}
    assert ("campaign paused", paused.json["id"]) in events
    assert ("campaign started", int(campaign)) in events
    finished = next(r for r in caplog.records if r.getMessage() == "campaign finished")
    assert (finished.campaign, finished.sent, finished.failed) == (int(campaign), 3, 0)  # type: ignore[attr-defined]
