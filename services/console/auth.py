"""Signing in with an API token, choosing the language, signing out."""

from __future__ import annotations

from aiohttp import web

from services.console.backend import Backend, SignedOut
from services.console.keys import SESSION, SETTINGS
from services.console.pages import bases, render, session_of
from services.console.session import Session, clear_session, read_session, write_session
from shared.i18n import LANGUAGES, negotiate

routes = web.RouteTableDef()


def _next(raw: str | None) -> str:
    """Where to go after signing in: only a path of ours, never another site."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/contacts"


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"


@routes.get("/")
async def home(_: web.Request) -> web.Response:
    """The contacts are the first page."""
    raise web.HTTPSeeOther("/contacts")


@routes.get("/signin")
async def signin_page(request: web.Request) -> web.Response:
    """The sign-in form, in the browser's language until the coordinator picks one."""
    lang = request.query.get("lang") or negotiate(request.headers.get("Accept-Language"))
    return render(
        request,
        "signin.html",
        {"next": _next(request.query.get("next")), "chosen": lang, "failed": False},
    )


@routes.post("/signin")
async def signin(request: web.Request) -> web.Response:
    """Check the token with the directory; a session cookie follows."""
    form = await request.post()
    token = str(form.get("token", "")).strip()
    lang = str(form.get("lang", "en"))
    lang = lang if lang in LANGUAGES else "en"
    settings = request.app[SETTINGS]
    known = False
    if token and len(token) <= 200:
        probe = Backend(request.app[SESSION], bases(settings), token)
        try:
            known = (await probe.call("directory", "GET", "/v1/me", strict=False)).ok
        except SignedOut:
            known = False
    if not known:
        context = {"next": _next(str(form.get("next", ""))), "chosen": lang, "failed": True}
        return render(request, "signin.html", context, status=401)
    response = web.HTTPSeeOther(_next(str(form.get("next", ""))))
    write_session(response, settings.secret_key or "", Session(token, lang), _secure(request))
    raise response


@routes.post("/language")
async def language(request: web.Request) -> web.Response:
    """Switch the console's language for this session."""
    form = await request.post()
    lang = str(form.get("lang", "en"))
    session = session_of(request)
    response = web.HTTPSeeOther(_next(str(form.get("next", ""))))
    if lang in LANGUAGES:
        secret = request.app[SETTINGS].secret_key or ""
        write_session(response, secret, Session(session.token, lang), _secure(request))
    raise response


@routes.post("/signout")
async def signout(request: web.Request) -> web.Response:
    """Forget the session (the token itself stays valid; revoke it under Accounts)."""
    response = web.HTTPSeeOther("/signin")
    if read_session(request, request.app[SETTINGS].secret_key or ""):
        clear_session(response)
    raise response
