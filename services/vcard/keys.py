"""Typed application state of the vcard service, declared in one place."""

import aiohttp
from aiohttp import web

from services.vcard.books import Library
from services.vcard.qr import QrCodes
from shared.directory_client import DirectoryClient
from shared.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SESSION = web.AppKey("session", aiohttp.ClientSession)
DIRECTORY = web.AppKey("directory", DirectoryClient)
LIBRARY = web.AppKey("library", Library)
QR_CODES = web.AppKey("qr_codes", QrCodes)
