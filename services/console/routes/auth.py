"""Signing in with an API token, choosing the language, signing out."""

from __future__ import annotations

from aiohttp import web

from services.console.backend import Backend, SignedOut
from services.console.keys import POOL, QUERIES, SESSION, SETTINGS
from services.console.pages import HOME, bases, page_language, render, session_of
from services.console.session import (
    Grant,
    clear_cookie,
    set_language,
)
from services.console.signing_in import close_session, new_session, same_origin
from shared.i18n import LANGUAGES, N_
from shared.identity import IDENTITY, Kind
from shared.redirects import local_path
from shared.text import form_fields

routes = web.RouteTableDef()


async def _grant_for(request: web.Request, token: str) -> Grant | None:
    """A token for a new session, made with a pasted API token (which is kept nowhere)."""
    caller = await request.app[IDENTITY].resolve(token)
    if caller is None or caller.kind is not Kind.API:
        return None  # unknown, revoked or expired; a read token or the service credential
    probe = Backend(request.app[SESSION], bases(request.app[SETTINGS]), token)
    try:
        made = await probe.call(
            "directory",
            "POST",
            f"/v1/accounts/{caller.account_id}/tokens",
            strict=False,
            json={"name": N_("console sign-in"), "session": True},  # shown translated
        )
    except SignedOut:
        return None
    if made.status != 201:
        return None
    return Grant.of(made.data)


@routes.get("/")
async def home(_: web.Request) -> web.Response:
    """The contacts are the first page."""
    raise web.HTTPSeeOther("/contacts")


@routes.get("/signin")
async def signin_page(request: web.Request) -> web.Response:
    """The sign-in form, in the browser's language until the coordinator picks one."""
    lang = page_language(request)
    return render(
        request,
        "signin.html",
        {"next": local_path(request.query.get("next"), HOME), "chosen": lang, "failed": False},
    )


@routes.post("/signin")
async def signin(request: web.Request) -> web.Response:
    """Check the token; the directory makes the session a token of its own; a cookie follows."""
    if not same_origin(request):
        raise web.HTTPForbidden()
    form = await form_fields(request)
    token = str(form.get("token", "")).strip()
    lang = str(form.get("lang", "en"))
    lang = lang if lang in LANGUAGES else "en"
    grant = await _grant_for(request, token) if token and len(token) <= 200 else None
    if grant is None:
        context = {"next": local_path(form.get("next"), HOME), "chosen": lang, "failed": True}
        return render(request, "signin.html", context, status=401, lang=lang)
    raise await new_session(request, grant, lang, to=local_path(form.get("next"), HOME))


@routes.post("/language")
async def language(request: web.Request) -> web.Response:
    """Switch the console's language for this session."""
    form = await form_fields(request)
    lang = str(form.get("lang", "en"))
    if lang in LANGUAGES:
        await set_language(request.app[POOL], request.app[QUERIES], session_of(request), lang)
    raise web.HTTPSeeOther(local_path(form.get("next"), HOME))


@routes.post("/signout")
async def signout(request: web.Request) -> web.Response:
    """End the session here and revoke its token at the directory; the cookie opens nothing."""
    await close_session(request, session_of(request))
    response = web.HTTPSeeOther("/signin")
    clear_cookie(response)
    raise response
