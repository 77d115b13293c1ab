"""The vcard service's app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.vcard.books import Library
from services.vcard.keys import DIRECTORY, LIBRARY, QR_CODES, SESSION, SETTINGS
from services.vcard.paths import OPENAPI
from services.vcard.qr import QrCodes
from services.vcard.routes import carddav, downloads
from shared.directory_client import DirectoryClient, remote_identity, wait_for
from shared.http import client_ctx
from shared.identity import IDENTITY, guard_routes
from shared.settings import Settings, SettingsError
from shared.web import add_health, add_openapi, base_app, load_openapi


async def directory_ctx(app: web.Application) -> AsyncIterator[None]:
    """The directory client, over the app's one client session, and the address books."""
    app[DIRECTORY] = DirectoryClient(app[SESSION], app[SETTINGS].directory_base)
    app[LIBRARY] = Library(app[DIRECTORY])
    app[QR_CODES] = QrCodes()
    app[IDENTITY] = remote_identity(app[DIRECTORY], app[SETTINGS].service_token)
    yield


async def ready(_: web.Application) -> str | None:
    """Always ready once started: without the directory it still serves the cards it has."""
    return None


async def directory_reachable(app: web.Application) -> str | None:
    """Reported in /readyz: whether the directory answers."""
    return await wait_for(app[DIRECTORY])


def create_app(settings: Settings) -> web.Application:
    """Build the vcard application."""
    if not settings.service_token:
        raise SettingsError(
            "KONTAKT_SERVICE_TOKEN is required: the vcard service reads the directory"
        )
    app = base_app(settings)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(client_ctx(SESSION, SETTINGS))
    app.cleanup_ctx.append(directory_ctx)
    add_health(app, ready, directory_reachable)
    document = load_openapi(OPENAPI)
    add_openapi(app, document)
    guard_routes(app, document)
    app.router.add_routes(downloads.routes)
    carddav.add_routes(app)
    return app
