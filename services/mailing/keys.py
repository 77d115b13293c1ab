"""Typed application state of the mailing service, declared in one place."""

from concurrent.futures import ThreadPoolExecutor

import aiohttp
import asyncpg
from aiohttp import web

from shared.directory_client import DirectoryClient
from shared.queries import Queries
from shared.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
QUERIES = web.AppKey("queries", Queries)
SESSION = web.AppKey("session", aiohttp.ClientSession)
DIRECTORY = web.AppKey("directory", DirectoryClient)
# The IMAP poller's own threads (returns/mailbox.py), apart from the ones signing runs in.
IMAP_EXECUTOR = web.AppKey("imap_executor", ThreadPoolExecutor)
