"""Signing in with an API token, choosing the language, signing out."""

from __future__ import annotations

from aiohttp import web

from services.console.backend import Backend, SignedOut
from services.console.keys import SESSION, SETTINGS
from services.console.pages import HOME, backend, bases, me, render, session_of
from services.console.session import Session, clear_session, read_session, write_session
from shared.i18n import LANGUAGES, negotiate
from shared.redirects import local_path
from shared.text import form_fields

routes = web.RouteTableDef()


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"


def same_origin(request: web.Request) -> bool:
    """Forms that start a session must come from our own pages (no login CSRF)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in {"same-origin", "none"}
    # Older browsers: the Origin header, when it names a real origin, must be ours.
    origin = request.headers.get("Origin")
    own = {request.app[SETTINGS].public_console_base, f"{request.scheme}://{request.host}"}
    return origin in (None, "null") or origin in own


def new_session(
    request: web.Request, token: str, lang: str, *, minted: bool = False, to: str = "/contacts"
) -> web.HTTPSeeOther:
    """A redirect that carries the new session cookie."""
    response = web.HTTPSeeOther(to)
    secret = request.app[SETTINGS].secret_key or ""
    write_session(response, secret, Session(token, lang, minted), _secure(request))
    return response


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
        {"next": local_path(request.query.get("next"), HOME), "chosen": lang, "failed": False},
    )


@routes.post("/signin")
async def signin(request: web.Request) -> web.Response:
    """Check the token with the directory; a session cookie follows."""
    if not same_origin(request):
        raise web.HTTPForbidden()
    form = await form_fields(request)
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
        context = {"next": local_path(form.get("next"), HOME), "chosen": lang, "failed": True}
        return render(request, "signin.html", context, status=401)
    raise new_session(request, token, lang, to=local_path(form.get("next"), HOME))


@routes.post("/language")
async def language(request: web.Request) -> web.Response:
    """Switch the console's language for this session."""
    form = await form_fields(request)
    lang = str(form.get("lang", "en"))
    session = session_of(request)
    response = web.HTTPSeeOther(local_path(form.get("next"), HOME))
    if lang in LANGUAGES:
        secret = request.app[SETTINGS].secret_key or ""
        changed = Session(session.token, lang, session.minted)
        write_session(response, secret, changed, _secure(request))
    raise response


@routes.post("/signout")
async def signout(request: web.Request) -> web.Response:
    """Forget the session; a token made by a sign-in link is revoked with it."""
    response = web.HTTPSeeOther("/signin")
    session = read_session(request, request.app[SETTINGS].secret_key or "")
    if session is not None:
        if session.minted:
            api = backend(request)
            token_id = me(request)["token"]["id"]
            await api.call("directory", "DELETE", f"/v1/tokens/{token_id}", strict=False)
        clear_session(response)
    raise response
