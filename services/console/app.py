"""The console's app factory: sessions, CSRF, and pages over the other services' APIs."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from aiohttp import web

from services.console import (
    accounts,
    auth,
    contacts,
    embed,
    members,
    newsletters,
    signin_link,
    suppressions,
)
from services.console.backend import Backend, Forbidden, SignedOut
from services.console.keys import SESSION, SETTINGS
from services.console.pages import (
    BACKEND_KEY,
    HERE,
    ME_KEY,
    SESSION_KEY,
    bases,
    networks_of,
    render,
)
from services.console.session import clear_session, read_session
from shared.bodies import takes_large_body
from shared.errors import FORM_TYPES, Unavailable, read_form
from shared.http import client_ctx
from shared.settings import Settings, SettingsError
from shared.web import add_health, base_app

# Pages anyone may open: signing in, and the console's own files.
OPEN = ("/signin", "/static/", "/healthz", "/readyz", "/metrics")


@web.middleware
async def console_session(request: web.Request, handler: Any) -> web.StreamResponse:
    """Who is signed in, the CSRF check on every form, and the console's own error pages."""
    settings = request.app[SETTINGS]
    secret = settings.secret_key or ""
    session = read_session(request, secret)
    if request.path.startswith(OPEN):
        if session is not None:
            request[SESSION_KEY] = session
        if request.method == "POST" and request.content_type in FORM_TYPES:
            await read_form(request)  # read once, guarded; handlers get aiohttp's cached copy
        opened: web.StreamResponse = await handler(request)
        return opened
    if session is None:
        raise web.HTTPSeeOther(f"/signin?next={quote(request.rel_url.path_qs, safe='/')}")
    request[SESSION_KEY] = session
    request[BACKEND_KEY] = Backend(request.app[SESSION], bases(settings), session.token)
    try:
        # Who is calling first: only then may an import route read its large body.
        request[ME_KEY] = await request[BACKEND_KEY].get("directory", "/v1/me")
        if request.method == "POST":
            if takes_large_body(request):
                request = request.clone(client_max_size=settings.import_max_bytes)
            form = await read_form(request)
            if not hmac.compare_digest(str(form.get("csrf", "")), session.csrf(secret)):
                return render(request, "message.html", {"message_key": "csrf"}, status=403)
        if request[ME_KEY].get("is_admin"):
            await networks_of(request)  # an admin's networks are all of them
        answered: web.StreamResponse = await handler(request)
        return answered
    except SignedOut:
        again = web.HTTPSeeOther("/signin")
        clear_session(again)
        raise again from None
    except Forbidden:
        return render(request, "forbidden.html", {}, status=403)
    except Unavailable as exc:
        busy = render(request, "message.html", {"text": exc.detail}, status=503)
        busy.headers["Retry-After"] = "5"
        return busy


async def ready(_: web.Application) -> str | None:
    """The console holds no state of its own: ready once started."""
    return None


def create_app(settings: Settings) -> web.Application:
    """Build the console application."""
    if not settings.secret_key:
        raise SettingsError("KONTAKT_SECRET_KEY is required: it signs the console's sessions")
    # Its sign-in links go out by mail.
    settings.require_reachable(PUBLIC_CONSOLE_URL=settings.public_console_base)
    app = base_app(settings)
    app.middlewares.append(console_session)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(client_ctx(SESSION, SETTINGS))
    add_health(app, ready)
    for module in (
        auth,
        signin_link,
        contacts,
        newsletters,
        members,
        embed,
        accounts,
        suppressions,
    ):
        app.router.add_routes(module.routes)
    app.router.add_static("/static", HERE / "static")
    return app
