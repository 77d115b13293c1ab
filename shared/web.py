"""What every service's app has in common: middleware, health, OpenAPI, and how it is served."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import yaml
from aiohttp import web

from shared import metrics
from shared.bodies import BODY_TIMEOUT
from shared.errors import error_middleware, problem
from shared.migrate import MigrationError, missing
from shared.payloads import JSON
from shared.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger("kontakt.web")
access = logging.getLogger("kontakt.access")


# Set when the process is told to stop: /readyz answers 503 from then on (shared/process.py).
DRAINING = web.AppKey("draining", asyncio.Event)


class InFlight:
    """Requests being handled, counted (a stopping process waits for exactly those), timed
    and logged: one JSON access-log line each, with the request id."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Count, time and log the request while its handler runs (its body may still arrive)."""
        self.count += 1
        self.idle.clear()
        metrics.IN_FLIGHT.inc()
        started = time.perf_counter()
        status, request_id = 499, ""  # 499: the client went away before an answer
        try:
            response = await handler(request)
            status, request_id = response.status, response.headers.get("X-Request-Id", "")
            return response
        finally:
            self.count -= 1
            if not self.count:
                self.idle.set()
            metrics.IN_FLIGHT.dec()
            elapsed = time.perf_counter() - started
            info = request.match_info.route.resource
            route = info.canonical if info is not None else "unmatched"
            metrics.REQUESTS.labels(route, request.method, str(status)).inc()
            metrics.LATENCY.labels(route, request.method).observe(elapsed)
            access.info(
                "request",
                extra={
                    "method": request.method,
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                    "request_id": request_id,
                },
            )


IN_FLIGHT = web.AppKey("in_flight", InFlight)
# The service's PostgreSQL pool, when it has one (its size is reported at /metrics).
POOL_KEY = web.AppKey("metrics_pool", asyncpg.Pool)


def base_app(settings: Settings) -> web.Application:
    """An application with the shared middleware and the body limits (see shared/bodies.py)."""
    in_flight = InFlight()
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[in_flight.middleware, error_middleware],
        # aiohttp keeps a connection that never finishes its request head for an hour (its
        # keep-alive timeout also runs from the connection's start): a few thousand such
        # connections, trickling a header now and then, would take every file descriptor.
        handler_args={"keepalive_timeout": settings.idle_timeout},
    )
    app[IN_FLIGHT] = in_flight
    app[BODY_TIMEOUT] = settings.body_timeout
    app[DRAINING] = asyncio.Event()
    return app


def utf8_json(data: object) -> str:
    """JSON text with every character as it is (Kisevičienė, not `\\u010d`): `dumps=` of answers."""
    return json.dumps(data, ensure_ascii=False)


def ascii_name(name: str) -> str:
    """A plain-ASCII file name for clients that ignore `filename*`."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", folded).strip(" ._") or "contact"
    return cleaned[:120]


# What must not reach a file name: controls (C0, C1), format characters (the bidi overrides
# and isolates U+202A-202E and U+2066-2069, marks, joiners: "\u202etxt.exe" shows as
# "exe.txt"), line and paragraph separators, and what paths and shells read.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def safe_name(name: str) -> str:
    """The name as a file name: no path separators, control, bidi or other invisible
    formatting characters; at most 120 characters."""
    visible = "".join(
        "_" if unicodedata.category(c) in _UNSAFE_CATEGORIES else c
        for c in unicodedata.normalize("NFC", name)
    )
    cleaned = re.sub(r'[/\\:*?"<>|_]*_[/\\:*?"<>|_]*|[/\\:*?"<>|]+', "_", visible)
    return cleaned.strip(" ._")[:120].strip(" .") or "contact"


def disposition(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and an RFC 6266 `filename*` (the stem made
    safe and cut, the extension kept)."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    suffix = f".{ext}" if ext else ""
    fallback = ascii_name(stem) + suffix
    return (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe_name(stem) + suffix)}"
    )


async def start_download(
    request: web.Request, content_type: str, filename: str
) -> web.StreamResponse:
    """A download's answer, started: written in pieces, named `filename`, never cached."""
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Content-Disposition": disposition(filename),
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    return response


def frame_options(frame_ancestors: str) -> dict[str, str]:
    """X-Frame-Options to match a CSP `frame-ancestors` (RFC 7034), for browsers without CSP.

    'none' and 'self' have an equivalent; a list of sites has none (ALLOW-FROM is gone
    from browsers), so such pages rely on the CSP alone.
    """
    equivalent = {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(frame_ancestors.strip())
    return {"X-Frame-Options": equivalent} if equivalent else {}


def html_page(
    text: str,
    *,
    lang: str,
    sources: Mapping[str, str],
    frame_ancestors: str = "'none'",
    status: int = 200,
    form_goes_on_to: str | None = None,
) -> web.Response:
    """A page for a person: a strict CSP, X-Frame-Options to match, never cached, its language.

    The policy allows nothing but the `sources` given (`{"style-src": "'self'"}`), no inline
    code, forms posting only here (and redirected on only to the origin `form_goes_on_to`, if
    given: CSP's form-action covers a form's redirects too), and framing by `frame_ancestors`
    alone. Pages carry per-view tokens (forms, CSRF), so they are `no-store`.
    """
    allowed = "; ".join(f"{directive} {value}" for directive, value in sources.items())
    action = "'self'" + (f" {form_goes_on_to}" if form_goes_on_to else "")
    policy = (
        f"default-src 'none'; {allowed}; form-action {action}; base-uri 'none'; "
        f"frame-ancestors {frame_ancestors}"
    )
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-store",
            "Content-Language": lang,
        }
        | frame_options(frame_ancestors),
    )


def load_openapi(path: Path) -> dict[str, Any]:
    """The service's OpenAPI document (YAML), a copy of its own for each caller; ValueError
    when it is no mapping.

    Parsed once per version of the file (libyaml's parser where PyYAML has it: the pure-Python
    one took half a second, paid by every app a test suite creates).
    Typed loosely on purpose: it is OpenAPI's own schema, which tools and tests walk freely.
    """
    stat = path.stat()
    document: dict[str, Any] = json.loads(_openapi_json(path, stat.st_mtime_ns, stat.st_size))
    return document


@functools.lru_cache(maxsize=16)
def _openapi_json(path: Path, _mtime_ns: int, _size: int) -> str:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe loaders)
    if not isinstance(document, dict):
        raise ValueError(f"{path}: not an OpenAPI document")
    return json.dumps(document)


def add_openapi(app: web.Application, document: Mapping[str, JSON]) -> None:
    """Serve the document at `/openapi.json`."""
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")

    async def openapi(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json", charset="utf-8")

    app.router.add_get("/openapi.json", openapi)


ReadyCheck = Callable[[web.Application], Awaitable[str | None]]
Background = Callable[[web.Application, asyncio.Event], Coroutine[object, None, None]]


def background_ctx(
    run: Background, timeout: float = 30.0
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx running `run(app, stop)` beside the service until the app stops.

    `stop` is the app's DRAINING event: set as soon as the process is told to stop (or
    at the latest when the app shuts down); the task then has `timeout` seconds to finish.
    """

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        stop = app[DRAINING]
        task = asyncio.create_task(run(app, stop))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout)

    return ctx


def database_ready(pool_key: web.AppKey[asyncpg.Pool], schema: str, migrations: Path) -> ReadyCheck:
    """Ready when PostgreSQL answers and the migrations this code needs are applied."""

    async def check(app: web.Application) -> str | None:
        try:
            async with asyncio.timeout(2), app[pool_key].acquire() as conn:
                lacking = await missing(conn, schema, migrations)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return "PostgreSQL is not reachable."
        except MigrationError as exc:
            return str(exc)
        if lacking:
            names = ", ".join(f"{m.version:03d}_{m.name}" for m in lacking)
            return f"Migrations are not applied yet: {names}."
        return None

    return check


def add_health(app: web.Application, ready: ReadyCheck, degraded: ReadyCheck | None = None) -> None:
    """`/healthz` (the process answers) and `/readyz` (what this service needs answers).

    `degraded` names a dependency the service can partly do without: it is reported, not fatal.
    """

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        if request.app[DRAINING].is_set():
            return problem(503, "Shutting down.", headers={"Retry-After": "5"})
        reason = await ready(request.app)
        if reason:
            return problem(503, reason, headers={"Retry-After": "5"})
        weaker = await degraded(request.app) if degraded else None
        if weaker:
            return web.json_response({"status": "degraded", "detail": weaker})
        return web.json_response({"status": "ready"})

    async def metrics_page(request: web.Request) -> web.Response:
        pool = request.app.get(POOL_KEY)
        if pool is not None:
            metrics.POOL.labels("open").set(pool.get_size())
            metrics.POOL.labels("idle").set(pool.get_idle_size())
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    # For the cluster's Prometheus: do not route it from the public ingress.
    app.router.add_get("/metrics", metrics_page)
