"""Typed application state of the directory service, declared in one place."""

from typing import TYPE_CHECKING

import asyncpg
from aiohttp import web

from services.directory.freshness import Freshness
from services.directory.pages import Asset
from shared.conditional import BodyCache, VersionedCache
from shared.queries import Queries
from shared.settings import Settings

if TYPE_CHECKING:  # cards reads these keys: imported for the type only
    from services.directory.cards import Rendering  # noqa: F401 (named in a string below)

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
QUERIES = web.AppKey("queries", Queries)
CACHE = web.AppKey("cache", BodyCache)
FRESHNESS = web.AppKey("freshness", Freshness)
ASSETS = web.AppKey("assets", dict[str, Asset])
# Widget renderings (services.directory.cards.Rendering) by data version and token period.
RENDERINGS = web.AppKey("renderings", VersionedCache["Rendering"])
