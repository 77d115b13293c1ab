"""The directory service's app factory."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from services.directory.auth import directory_identity
from services.directory.freshness import Freshness
from services.directory.housekeeping import CHORES
from services.directory.importing import routes as importing
from services.directory.keys import ASSETS, CACHE, FRESHNESS, POOL, QUERIES, RENDERINGS, SETTINGS
from services.directory.pages import load_assets
from services.directory.paths import MIGRATIONS, OPENAPI, QUERY_FOLDERS, SCHEMA
from services.directory.routes import (
    accounts,
    contacts,
    exporting,
    networks,
    ordering,
    organisations,
    reveal,
    signin,
    sync,
    tokens,
    widgets,
)
from shared.conditional import BodyCache, VersionedCache
from shared.db import database_ctx
from shared.housekeeping import housekeeping_ctx
from shared.identity import IDENTITY, guard_routes
from shared.queries import Queries
from shared.settings import Settings
from shared.signing import Keys
from shared.web import add_health, add_openapi, base_app, database_ready, load_openapi

READS = {"GET", "HEAD", "OPTIONS"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def refreshing(handler: Handler) -> Handler:
    """After a change made here, read from PostgreSQL until the new version is confirmed."""

    @functools.wraps(handler)
    async def changed(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        finally:
            request.app[FRESHNESS].forget()

    return changed


def routes_of(table: web.RouteTableDef) -> list[web.RouteDef]:
    """A module's routes; the writing ones wrapped (not a middleware: reads pay nothing)."""
    found = []
    for route in table:
        assert isinstance(route, web.RouteDef)
        if route.method not in READS:
            route = web.RouteDef(route.method, route.path, refreshing(route.handler), route.kwargs)
        found.append(route)
    return found


def drop_caches(app: web.Application) -> None:
    """Forget every body rendered from data the database no longer has (after a restore)."""
    app[CACHE].clear()
    app[RENDERINGS].clear()


def create_app(settings: Settings) -> web.Application:
    """Build the directory application; the pool opens when it starts."""
    Keys.of(settings)  # SettingsError without KONTAKT_SECRET_KEY: it signs reveal tokens
    app = base_app(settings)
    queries = Queries.load(*QUERY_FOLDERS, schema=SCHEMA)
    app[SETTINGS] = settings
    app[QUERIES] = queries
    app[CACHE] = BodyCache(name="bodies")
    app[RENDERINGS] = VersionedCache(256, "renderings")
    app[FRESHNESS] = Freshness(went_back=functools.partial(drop_caches, app))
    app[ASSETS] = load_assets()
    # One connection beside the pool: the freshness listener.
    app.cleanup_ctx.append(database_ctx(SCHEMA, MIGRATIONS, queries, POOL, SETTINGS, 1))
    app.cleanup_ctx.append(housekeeping_ctx(CHORES, POOL, QUERIES, SETTINGS))
    app.cleanup_ctx.append(freshness_ctx)
    add_health(app, database_ready(POOL, SCHEMA, MIGRATIONS))
    document = load_openapi(OPENAPI)
    add_openapi(app, document)
    app[IDENTITY] = directory_identity(app)
    guard_routes(app, document)
    modules = (
        networks,
        organisations,
        contacts,
        importing,
        exporting,
        accounts,
        signin,
        tokens,
        widgets,
        reveal,
        sync,
        ordering,
    )
    for module in modules:
        app.router.add_routes(routes_of(module.routes))
    return app


async def freshness_ctx(app: web.Application) -> AsyncIterator[None]:
    """Keep the data version current while the app runs (after the pool is open)."""
    task = asyncio.create_task(
        app[FRESHNESS].run(
            app[SETTINGS], app[POOL], app[QUERIES]["data-version"], app[QUERIES]["version-known"]
        )
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
