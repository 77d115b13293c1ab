"""The directory service's app factory."""

from __future__ import annotations

from aiohttp import web

from services.directory import accounts, contacts, networks, organisations
from services.directory.keys import CACHE, POOL, QUERIES, SETTINGS
from services.directory.paths import MIGRATIONS, OPENAPI, QUERIES_DIR, SCHEMA
from shared.conditional import BodyCache
from shared.db import database_ctx
from shared.queries import Queries
from shared.settings import Settings
from shared.web import add_health, add_openapi, base_app, load_openapi


def create_app(settings: Settings) -> web.Application:
    """Build the directory application; the pool opens when it starts."""
    app = base_app(settings)
    queries = Queries.load(QUERIES_DIR)
    app[SETTINGS] = settings
    app[QUERIES] = queries
    app[CACHE] = BodyCache()
    app.cleanup_ctx.append(database_ctx(SCHEMA, MIGRATIONS, queries, POOL, SETTINGS))
    add_health(app, POOL, SCHEMA, MIGRATIONS)
    add_openapi(app, load_openapi(OPENAPI))
    for module in (networks, organisations, contacts, accounts):
        app.router.add_routes(module.routes)
    return app
