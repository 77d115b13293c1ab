"""Every Prometheus metric Kontakt exports, defined once (served at `/metrics` by each service)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

REQUESTS = Counter(
    "kontakt_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "kontakt_http_request_duration_seconds",
    "Time to answer a request, by route template.",
    ["route", "method"],
)
IN_FLIGHT = Gauge("kontakt_http_requests_in_flight", "Requests being handled now.")
POOL = Gauge(
    "kontakt_db_pool_connections",
    "PostgreSQL pool connections by state (open, idle).",
    ["state"],
)
CONNECTION_SHORTFALL = Gauge(
    "kontakt_db_connection_shortfall",
    "Connections this copy may open (pool + listeners) beyond what PostgreSQL had free when "
    "it started; 0 when the pool fits (see the README's connection budget).",
)
PRUNED = Counter(
    "kontakt_housekeeping_deleted_rows",
    "Rows housekeeping deleted, by table (schema.table).",
    ["table"],
)
CACHE = Counter(
    "kontakt_cache_lookups",
    "In-process cache lookups, by cache and result (hit, miss).",
    ["cache", "result"],
)
DELIVERIES = Counter(
    "kontakt_worker_deliveries",
    "Deliveries the sending worker recorded, by outcome.",
    ["outcome"],
)
QUEUE_DEPTH = Gauge(
    "kontakt_worker_queue_depth", "Deliveries waiting to be sent, by campaign.", ["campaign"]
)
BUDGET_WAITS = Counter(
    "kontakt_worker_budget_waits", "Sends that waited for the send budget (rate or hourly)."
)
REVEALS = Counter(
    "kontakt_reveals",
    "Requests to show a contact's address (widget, no-script page, vCard), by outcome "
    "(revealed, refused: a bad or expired token, rate_limited, wrong_answer).",
    ["outcome"],
)
SUBSCRIBES = Counter(
    "kontakt_subscribe_requests",
    "Subscribe requests by channel (form, api) and outcome (accepted, refused: a bad form "
    "token or origin, honeypot, rate_limited, invalid_address, invalid_name). `accepted` "
    "whatever the address's state, as the answer.",
    ["channel", "outcome"],
)
RETURNS = Counter(
    "kontakt_returned_mail",
    "Returned mail and feedback taken in, by kind (hard, soft, complaint, feedback, "
    "unsubscribe) and what was done (suppressed, counted, stopped, unsubscribed, recorded).",
    ["kind", "outcome"],
)


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
