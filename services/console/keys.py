"""Typed application state of the console."""

import aiohttp
import asyncpg
from aiohttp import web

from shared.queries import Queries
from shared.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SESSION = web.AppKey("session", aiohttp.ClientSession)
POOL = web.AppKey("pool", asyncpg.Pool)
QUERIES = web.AppKey("queries", Queries)
