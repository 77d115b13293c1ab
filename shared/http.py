"""Client sessions for service-to-service HTTP: timeouts and the service credential built in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from shared.settings import Settings


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL: what CORS, CSP and frame-ancestors speak of."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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
