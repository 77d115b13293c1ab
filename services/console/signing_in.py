"""Console sessions from a request: the login-CSRF check, a new session's cookie, the end."""

from __future__ import annotations

import contextlib

from aiohttp import web

from services.console.backend import Backend, SignedOut
from services.console.keys import POOL, QUERIES, SESSION, SETTINGS
from services.console.pages import HOME, SESSION_KEY, bases
from services.console.session import Grant, Session, end_session, start_session, write_cookie
from shared.errors import Unavailable
from shared.http import origin_of, posted_from


def _secure(request: web.Request) -> bool:
    """Whether the browser reached us over HTTPS (directly or through the proxy)."""
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"


def same_origin(request: web.Request) -> bool:
    """Forms that start a session must come from our own pages (no login CSRF)."""
    own = {
        origin_of(request.app[SETTINGS].public_console_base),
        f"{request.scheme}://{request.host}",
    }
    return posted_from(request, own)


async def close_session(request: web.Request, session: Session) -> None:
    """End a session here and revoke its token at the directory; its cookie opens nothing."""
    await end_session(request.app[POOL], request.app[QUERIES], session)
    # The session is over either way; if the directory cannot be told, its token expires with it.
    api = Backend(request.app[SESSION], bases(request.app[SETTINGS]), session.token)
    with contextlib.suppress(SignedOut, Unavailable):
        await api.call("directory", "DELETE", f"/v1/tokens/{session.token_id}", strict=False)


async def new_session(
    request: web.Request, grant: Grant, lang: str, to: str = HOME
) -> web.HTTPSeeOther:
    """A redirect that carries the new session's cookie (its id, nothing else).

    A session this browser still had ends first: a sign-in always gets a fresh id, and the
    one it replaces is no credential left behind.
    """
    previous: Session | None = request.get(SESSION_KEY)
    if previous is not None:
        await close_session(request, previous)
    session = await start_session(request.app[POOL], request.app[QUERIES], grant, lang)
    response = web.HTTPSeeOther(to)
    write_cookie(response, session, _secure(request))
    return response
