"""Client sessions for service-to-service HTTP: timeouts and the service credential built in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Collection
from urllib.parse import urlsplit

import aiohttp
import idna
import yarl
from aiohttp import web

from shared.settings import Settings

# An origin as browsers send it: a scheme, an ASCII host (A-labels), maybe a port.
ASCII_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def ascii_host(host: str) -> str | None:
    """`host` as browsers send it in `Origin` (IDNA 2008 A-labels, UTS 46 mapping: lower case),
    from its Unicode (jõgeva.ee) or punycode (xn--jgeva-dua.ee) form; None when it is neither."""
    try:
        if host.isascii() and "xn--" not in host.lower():
            return host.lower()
        return idna.encode(idna.decode(host, uts46=True), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def web_origin(raw: str) -> str | None:
    """`raw` (https://jõgeva.ee, https://xn--jgeva-dua.ee or HTTPS://Jõgeva.EE) as the one form
    an `Origin` header has, https://xn--jgeva-dua.ee; None when it is not an http(s) origin.
    A lone trailing "/" (https://www.norden.ee/, as an address bar copies a site) is the site."""
    parts = urlsplit(raw.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment:
        return None
    if "@" in parts.netloc or parts.hostname is None or raw.strip().endswith(("?", "#")):
        return None
    host = ascii_host(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        return None
    origin = f"{scheme}://{host}" + (f":{port}" if port is not None else "")
    return origin if host and ASCII_ORIGIN.match(origin) else None


def unicode_origin(origin: str) -> str | None:
    """An internationalised origin as a person writes it (https://jõgeva.ee), else None."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if "xn--" not in host:
        return None
    try:
        shown = idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return None
    return origin.replace(host, shown, 1)


def _ascii_netloc(netloc: str) -> str:
    """host[:port] with the host as browsers send it; userinfo or IPv6 literals left alone."""
    if "@" in netloc or "[" in netloc:
        return netloc
    host, colon, port = netloc.partition(":")
    return (ascii_host(host) or host) + colon + port


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL: what CORS, CSP and frame-ancestors speak of (the host in
    lower case and an IDN's A-labels, as browsers send it)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{_ascii_netloc(parts.netloc)}"


def ascii_url(url: str) -> str:
    """`url` as a Location header carries it: the host as browsers send it in `Origin`
    (A-labels, lower case) and the rest percent-encoded (yarl), so no header holds non-ASCII."""
    parts = urlsplit(url)
    with_host = parts._replace(netloc=_ascii_netloc(parts.netloc)).geturl()
    try:
        return str(yarl.URL(with_host))
    except ValueError:
        return with_host


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
