"""The console's session: a signed, HttpOnly, SameSite cookie, and a CSRF token per session."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from aiohttp import web

from shared.i18n import LANGUAGES
from shared.signing import BadToken, sign, verify

COOKIE = "kontakt_console"
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    """Who is signed in (their API token) and the language they chose."""

    token: str
    lang: str
    # Made by a sign-in link for this session alone: revoked when the session ends.
    minted: bool = False

    def csrf(self, secret: str) -> str:
        """A token for the session's forms; another site cannot read or guess it."""
        digest = hmac.new(secret.encode(), f"csrf:{self.token}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]


def read_session(request: web.Request, secret: str) -> Session | None:
    """The session of the request's cookie, if it is ours and recent."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        claims = verify(secret, "console-session", raw)
    except BadToken:
        return None
    lang = claims.get("l") if claims.get("l") in LANGUAGES else "en"
    token = claims.get("t")
    return Session(token, str(lang), bool(claims.get("m"))) if isinstance(token, str) else None


def write_session(
    response: web.StreamResponse, secret: str, session: Session, secure: bool
) -> None:
    """Set the cookie: sent only to us, only from our own pages, never readable by scripts."""
    value = sign(
        secret,
        "console-session",
        {"t": session.token, "l": session.lang, "m": session.minted},
        SESSION_SECONDS,
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/",
    )


def clear_session(response: web.StreamResponse) -> None:
    """Sign out."""
    response.del_cookie(COOKIE, path="/")
