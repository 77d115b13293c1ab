"""/metrics on every service and one JSON access-log line per request, with its request id."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import MakeAccount
from tests.mailing.conftest import Mailing
from tests.ops.smoke import smoke_path

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
