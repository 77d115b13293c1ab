"""The console's app factory: server-side sessions, CSRF, pages over the other services' APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from services.console.backend import Backend, Forbidden, NotFound, Refused, SignedOut
from services.console.forms import MissingField
from services.console.housekeeping import CHORES
from services.console.keys import POOL, QUERIES, SESSION, SETTINGS, SIGNIN_ASKED
from services.console.outbox import outbox
from services.console.pages import (
    BACKEND_KEY,
    HERE,
    ME_KEY,
    SESSION_KEY,
    bases,
    csrf_ok,
    networks_of,
    render,
)
from services.console.paths import MIGRATIONS, QUERY_FOLDERS, SCHEMA
from services.console.routes import (
    accounts,
    auth,
    contacts,
    embed,
    members,
    newsletters,
    organisations,
    signin_link,
    suppressions,
    tokens,
)
from services.console.session import COOKIE, clear_cookie, end_session, find_session
from shared.bodies import takes_large_body
from shared.db import database_ctx
from shared.directory_client import DirectoryClient, remote_identity
from shared.errors import FORM_TYPES, Unavailable, read_form
from shared.housekeeping import housekeeping_ctx
from shared.http import client_ctx
from shared.i18n import N_, translator
from shared.identity import IDENTITY
from shared.queries import Queries
from shared.settings import Settings
from shared.signing import Keys
from shared.web import add_health, background_ctx, base_app, database_ready

# Pages anyone may open: signing in, and the console's own files.
OPEN = ("/signin", "/static/", "/healthz", "/readyz", "/metrics")


@web.middleware
async def console_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is signed in, the CSRF check on every form, and the console's own error pages."""
    settings = request.app[SETTINGS]
    if request.path.startswith(OPEN):
        if request.path.startswith("/signin"):
            found = await find_session(request.app[POOL], request.app[QUERIES], request)
            if found is not None:
                request[SESSION_KEY] = found
        if request.method == "POST" and request.content_type in FORM_TYPES:
            await read_form(request)  # read once, guarded; handlers get aiohttp's cached copy
        opened: web.StreamResponse = await handler(request)
        return opened
    session = await find_session(request.app[POOL], request.app[QUERIES], request)
    if session is None:
        again = web.HTTPSeeOther(f"/signin?next={quote(request.rel_url.path_qs, safe='/')}")
        if request.cookies.get(COOKIE):
            clear_cookie(again)
        raise again
    request[SESSION_KEY] = session
    request[BACKEND_KEY] = Backend(
        request.app[SESSION], bases(settings), session.token, session.lang
    )
    try:
        # Who is calling first: only then may an import route read its large body.
        request[ME_KEY] = await request[BACKEND_KEY].get("directory", "/v1/me")
        # A streamed upload's handler reads its own form and checks the token (routes/contacts.py).
        if request.method == "POST" and request.path != contacts.STREAMED:
            if takes_large_body(request):
                request = request.clone(client_max_size=settings.import_max_bytes)
            form = await read_form(request)
            if not csrf_ok(request, str(form.get("csrf", ""))):
                return render(request, "message.html", {"message_key": "csrf"}, status=403)
        if request[ME_KEY].get("is_admin"):
            await networks_of(request)  # an admin's networks are all of them
        answered: web.StreamResponse = await handler(request)
        return answered
    except SignedOut:
        # The session's token was revoked or expired: the session ends with it.
        await end_session(request.app[POOL], request.app[QUERIES], session)
        again = web.HTTPSeeOther("/signin")
        clear_cookie(again)
        raise again from None
    except Forbidden:
        return render(request, "forbidden.html", {}, status=403)
    except (NotFound, web.HTTPNotFound):
        # A service's 404 (an unknown or erased item) and a console address nothing answers:
        # a page in the coordinator's language, not the 403 page's wording nor English JSON.
        return render(request, "not_found.html", {}, status=404)
    except web.HTTPBadRequest as exc:
        # A form the console cannot act on: a page in the coordinator's language (its text a
        # msgid), not the services' problem document in the browser's.
        said = translator(session.lang).gettext(exc.text or "")
        return render(request, "message.html", {"text": said}, status=400)
    except MissingField as exc:
        # A form without a field its page always sends (or a revision that is no number).
        said = translator(session.lang).gettext(
            N_("The form came without a usable field '%(field)s'. Reload the page and try again.")
        ) % {"field": exc.name}
        return render(request, "message.html", {"text": said}, status=422)
    except Refused as exc:
        # A service's problem (already in the coordinator's language), as a page of its own.
        answer = exc.answer
        return render(
            request, "message.html", {"text": answer.reasons}, status=answer.refusal_status
        )
    except Unavailable as exc:
        busy = render(request, "message.html", {"text": exc.detail}, status=503)
        busy.headers["Retry-After"] = "5"
        return busy


async def identity_ctx(app: web.Application) -> AsyncIterator[None]:
    """Tokens pasted at sign-in are checked by the directory, like every service's callers."""
    directory = DirectoryClient(app[SESSION], app[SETTINGS].directory_base)
    app[IDENTITY] = remote_identity(directory, app[SETTINGS].service_token)
    yield


def create_app(settings: Settings) -> web.Application:
    """Build the console application."""
    Keys.of(settings)  # SettingsError without KONTAKT_SECRET_KEY: it keys the form tokens
    # Its sign-in links go out by mail.
    settings.require_reachable(PUBLIC_CONSOLE_URL=settings.public_console_base)
    app = base_app(settings)
    app.middlewares.append(console_session)
    queries = Queries.load(*QUERY_FOLDERS, schema=SCHEMA)
    app[SETTINGS] = settings
    app[QUERIES] = queries
    app[SIGNIN_ASKED] = {}
    app.cleanup_ctx.append(database_ctx(SCHEMA, MIGRATIONS, queries, POOL, SETTINGS))
    app.cleanup_ctx.append(housekeeping_ctx(CHORES, POOL, QUERIES, SETTINGS))
    app.cleanup_ctx.append(client_ctx(SESSION, SETTINGS))
    app.cleanup_ctx.append(identity_ctx)
    if settings.console_sender and settings.smtp_url:
        app.cleanup_ctx.append(
            background_ctx(
                lambda a, stop: outbox(a[SETTINGS], a[POOL], a[QUERIES], a[SESSION]).run(stop),
                settings.shutdown_timeout,
            )
        )
    add_health(app, database_ready(POOL, SCHEMA, MIGRATIONS))
    for module in (
        auth,
        signin_link,
        contacts,
        newsletters,
        members,
        organisations,
        embed,
        accounts,
        suppressions,
        tokens,
    ):
        app.router.add_routes(module.routes)
    app.router.add_static("/static", HERE / "static")
    return app
