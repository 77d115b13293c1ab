"""The mailing service's app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.mailing.housekeeping import CHORES
from services.mailing.keys import DIRECTORY, POOL, QUERIES, SESSION, SETTINGS
from services.mailing.paths import MIGRATIONS, OPENAPI, QUERY_FOLDERS, SCHEMA, STATIC
from services.mailing.returns.intake import Intake
from services.mailing.returns.lmtp import lmtp_ctx
from services.mailing.returns.mailbox import Mailbox, mailbox_ctx
from services.mailing.routes import (
    campaigns,
    forms,
    inbound,
    lists,
    members,
    preferences,
    subscriptions,
    suppressions,
    transfer,
)
from services.mailing.worker import run_senders
from shared.db import database_ctx
from shared.directory_client import DirectoryClient, remote_identity
from shared.housekeeping import housekeeping_ctx
from shared.http import client_ctx
from shared.identity import IDENTITY, guard_routes
from shared.queries import Queries
from shared.settings import Settings, SettingsError
from shared.signing import Keys
from shared.web import (
    add_health,
    add_openapi,
    background_ctx,
    base_app,
    database_ready,
    load_openapi,
)


async def directory_ctx(app: web.Application) -> AsyncIterator[None]:
    """The directory client, over the app's one client session."""
    app[DIRECTORY] = DirectoryClient(app[SESSION], app[SETTINGS].directory_base)
    app[IDENTITY] = remote_identity(app[DIRECTORY], app[SETTINGS].service_token)
    yield


def create_app(settings: Settings) -> web.Application:
    """Build the mailing application."""
    Keys.of(settings)  # SettingsError without KONTAKT_SECRET_KEY: it signs every link
    missing = [
        name
        for name, value in (
            ("KONTAKT_SERVICE_TOKEN", settings.service_token),
            ("KONTAKT_SMTP_URL", settings.smtp_url),
        )
        if not value
    ]
    if missing:
        raise SettingsError(f"the mailing service needs {', '.join(missing)}")
    settings.require_reachable(PUBLIC_MAILING_URL=settings.public_mailing_base)
    app = base_app(settings)
    queries = Queries.load(*QUERY_FOLDERS, schema=SCHEMA)
    app[SETTINGS] = settings
    app[QUERIES] = queries
    app.cleanup_ctx.append(database_ctx(SCHEMA, MIGRATIONS, queries, POOL, SETTINGS))
    app.cleanup_ctx.append(housekeeping_ctx(CHORES, POOL, QUERIES, SETTINGS))
    app.cleanup_ctx.append(client_ctx(SESSION, SETTINGS))
    app.cleanup_ctx.append(directory_ctx)
    add_health(app, database_ready(POOL, SCHEMA, MIGRATIONS))
    document = load_openapi(OPENAPI)
    add_openapi(app, document)
    guard_routes(app, document)
    if settings.mailing_worker:
        # The sending worker and the outbox, beside the service and stopped with it.
        app.cleanup_ctx.append(
            background_ctx(
                lambda a, stop: run_senders(a[SETTINGS], a[POOL], a[QUERIES], stop),
                settings.shutdown_timeout,
            )
        )
    if settings.lmtp_port:
        app.cleanup_ctx.append(lmtp_ctx(Intake.of, settings.host, settings.lmtp_port))
    if settings.imap_url:
        try:
            Mailbox.from_url(settings.imap_url)
        except ValueError as exc:
            raise SettingsError(f"KONTAKT_IMAP_URL: {exc}") from exc
        app.cleanup_ctx.append(mailbox_ctx(Intake.of, settings.imap_url, settings.imap_interval))
    app.router.add_routes(lists.routes)
    app.router.add_routes(members.routes)
    app.router.add_routes(suppressions.routes)
    app.router.add_routes(campaigns.routes)
    app.router.add_routes(inbound.routes)
    app.router.add_routes(transfer.routes)
    app.router.add_routes(preferences.routes)
    app.router.add_routes(subscriptions.routes)
    app.router.add_routes(forms.routes)
    app.router.add_static("/static", STATIC)
    return app
