"""Typed application state of the console."""

from collections import deque

import aiohttp
import asyncpg
from aiohttp import web

from shared.queries import Queries
from shared.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SESSION = web.AppKey("session", aiohttp.ClientSession)
POOL = web.AppKey("pool", asyncpg.Pool)
QUERIES = web.AppKey("queries", Queries)
# When each client address asked for a sign-in mail lately (routes/signin_link.py): kept by
# the app, not the module, so two apps in one process (the tests) do not share a budget.
SIGNIN_ASKED = web.AppKey("signin_asked", dict[str, deque[float]])
