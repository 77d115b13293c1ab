"""Signing in by e-mail: a one-time link sent through the same SMTP server as newsletters."""

from __future__ import annotations

import logging
import time
from collections import deque

from aiohttp import web

from services.console.backend import Answer, Backend
from services.console.keys import POOL, QUERIES, SESSION, SETTINGS, SIGNIN_ASKED
from services.console.outbox import GIVE_UP_SECONDS
from services.console.pages import bases, render
from services.console.session import Grant
from services.console.signing_in import new_session, same_origin
from shared.clientip import client_budget
from shared.i18n import LANGUAGES, translator
from shared.text import form_fields

routes = web.RouteTableDef()
log = logging.getLogger("kontakt.console")

# Per client address, in this process: the directory also allows one link per account a minute.
REQUESTS_PER_WINDOW = 5
WINDOW_SECONDS = 600


def _over_limit(recent: dict[str, deque[float]], client: str) -> bool:
    now = time.monotonic()
    times = recent.setdefault(client, deque())
    while times and now - times[0] > WINDOW_SECONDS:
        times.popleft()
    if len(times) >= REQUESTS_PER_WINDOW:
        return True
    times.append(now)
    if len(recent) > 10_000:
        recent.clear()
    return False


def _lang(raw: object) -> str:
    return str(raw) if raw in LANGUAGES else "en"


async def _service(request: web.Request, path: str, body: dict[str, str]) -> Answer:
    """POST to the directory with the service credential (links are made before anyone signs in)."""
    settings = request.app[SETTINGS]
    directory = Backend(request.app[SESSION], bases(settings), settings.service_token or "")
    return await directory.call("directory", "POST", path, strict=False, json=body)


@routes.post("/signin/email")
async def ask_for_link(request: web.Request) -> web.Response:
    """Mail a link if the address has an account; the page says the same either way."""
    form = await form_fields(request)
    lang = _lang(form.get("lang"))
    tr = translator(lang)
    if not same_origin(request):
        raise web.HTTPForbidden()
    settings = request.app[SETTINGS]
    address = str(form.get("email", "")).strip()[:254]
    client = client_budget(request, settings.trusted_proxies, settings.budget_ipv6_prefix)
    if _over_limit(request.app[SIGNIN_ASKED], client):
        page = render(
            request,
            "message.html",
            {"text": tr.gettext("Too many requests. Please try again later.")},
            status=429,
            lang=lang,
        )
        page.headers["Retry-After"] = str(WINDOW_SECONDS)
        return page
    if address:
        # The same one statement for every address: whether it has an account is learnt
        # only by the sender (services/console/outbox.py), never by this answer or its time.
        async with request.app[POOL].acquire() as conn:
            await conn.execute(
                request.app[QUERIES]["queue-signin-mail"], address, lang, GIVE_UP_SECONDS
            )
    return render(
        request,
        "message.html",
        {
            "text": tr.gettext(
                "If this address belongs to an account, a sign-in link is on its way. It works "
                "once, for 15 minutes."
            ),
            "ok": True,
        },
        lang=lang,
    )


@routes.get("/signin/link")
async def link_page(request: web.Request) -> web.Response:
    """A button, not an automatic sign-in: mail scanners that open links spend nothing."""
    code = request.query.get("code", "")[:100]
    return render(request, "signin_link.html", {"code": code})


@routes.post("/signin/link")
async def use_link(request: web.Request) -> web.Response:
    """Trade the code for a token and start the session."""
    if not same_origin(request):
        raise web.HTTPForbidden()
    form = await form_fields(request)
    lang = _lang(form.get("lang"))
    spent = await _service(
        request, "/v1/signin-links/redeem", {"code": str(form.get("code", ""))[:100]}
    )
    if not spent.ok:
        return render(
            request,
            "message.html",
            {
                "text": translator(lang).gettext(
                    "This sign-in link has expired or was already used. Ask for a new one."
                )
            },
            status=403,
            lang=lang,
        )
    raise await new_session(request, Grant.of(spent.data), lang)
