"""Client sessions for service-to-service HTTP: timeouts and the service credential built in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from shared.settings import Settings


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL: what CORS, CSP and frame-ancestors speak of."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def posted_from(request: web.Request, allowed: Collection[str]) -> bool:
    """Whether a form POST comes from a page on one of `allowed` origins (scheme://host[:port]).

    The one rule for every form that checks where it was posted from (CSRF, RFC 6454 section 7):
    - `Origin: null` is refused like a foreign origin: a sandboxed iframe, a `data:` page or a
      redirect on any site sends it, so it says nothing about which page posted.
    - No `Origin` at all is accepted: browsers send it on every POST form submission (Fetch
      standard; Chromium, Firefox 70+, Safari), so its absence means a client that is not a
      browser, which could as well send any `Origin` it likes; there is no visitor's browser
      and cookie to abuse, so refusing it would stop nobody. Fetch metadata, when a browser
      sends it without `Origin`, must not say the post came from another site.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site") in (None, "same-origin", "none")
    return origin != "null" and origin in allowed


def client_session(settings: Settings, *, base_url: str | None = None) -> aiohttp.ClientSession:
    """A session that times out and presents the service credential."""
    headers = {"User-Agent": "kontakt-service/0.1"}
    if settings.service_token:
        headers["Authorization"] = f"Bearer {settings.service_token}"
    return aiohttp.ClientSession(
        base_url=base_url,
        headers=headers,
        timeout=aiohttp.ClientTimeout(
            total=settings.http_timeout, connect=settings.http_timeout / 2
        ),
        raise_for_status=False,
    )


def client_ctx(
    key: web.AppKey[aiohttp.ClientSession],
    settings_key: web.AppKey[Settings],
    base_url: Callable[[Settings], str] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx that keeps one client session for the app's life."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[settings_key]
        session = client_session(settings, base_url=base_url(settings) if base_url else None)
        try:
            app[key] = session
            yield
        finally:
            await session.close()

    return ctx
