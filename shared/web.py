"""What every service's app has in common: middleware, health, OpenAPI, and how it is served."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import yaml
from aiohttp import web

from shared.bodies import BODY_TIMEOUT
from shared.errors import error_middleware, problem
from shared.migrate import MigrationError, missing
from shared.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger("kontakt.web")


# Set when the process is told to stop: /readyz answers 503 from then on (shared/process.py).
DRAINING = web.AppKey("draining", asyncio.Event)


class InFlight:
    """How many requests are being handled, so a stopping process waits for exactly those."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Count the request while its handler runs (its body may still be arriving)."""
        self.count += 1
        self.idle.clear()
        try:
            return await handler(request)
        finally:
            self.count -= 1
            if not self.count:
                self.idle.set()


IN_FLIGHT = web.AppKey("in_flight", InFlight)


def base_app(settings: Settings) -> web.Application:
    """An application with the shared middleware and the body limits (see shared/bodies.py)."""
    in_flight = InFlight()
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[in_flight.middleware, error_middleware],
    )
    app[IN_FLIGHT] = in_flight
    app[BODY_TIMEOUT] = settings.body_timeout
    app[DRAINING] = asyncio.Event()
    return app


def load_openapi(path: Path) -> dict[str, Any]:
    """The service's OpenAPI document, read once."""
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def add_openapi(app: web.Application, document: dict[str, Any]) -> None:
    """Serve the document at `/openapi.json`."""
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")

    async def openapi(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json", charset="utf-8")

    app.router.add_get("/openapi.json", openapi)


ReadyCheck = Callable[[web.Application], Awaitable[str | None]]


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

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
