"""Typed application state of the console."""

import aiohttp
from aiohttp import web

from shared.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SESSION = web.AppKey("session", aiohttp.ClientSession)
