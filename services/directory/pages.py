"""HTML from templates that escape every value, and the security headers pages need."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from services.directory.texts import OFFLINE_TEXTS
from shared.http import origin_of
from shared.i18n import script_texts
from shared.templates import page_templates, render
from shared.web import html_page as shared_page

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE / "templates")


@dataclass(frozen=True, slots=True)
class Asset:
    """A static file with its content hash, for versioned, long-cached URLs."""

    name: str
    body: bytes
    content_type: str

    @property
    def digest(self) -> str:
        """A short content hash."""
        return hashlib.sha256(self.body).hexdigest()[:12]

    @property
    def versioned(self) -> str:
        """`/static/widget.3f2a….js`: safe to cache for a year."""
        stem, _, ext = self.name.rpartition(".")
        return f"/static/{stem}.{self.digest}.{ext}"


def load_assets() -> dict[str, Asset]:
    """widget.js, widget.css and embed.js, read once; widget.js learns the CSS URL."""
    folder = HERE / "static"
    css = Asset("widget.css", (folder / "widget.css").read_bytes(), "text/css")
    source = (folder / "widget.js").read_text(encoding="utf-8")
    js_text = script_texts(source.replace("__CSS_PATH__", css.versioned), OFFLINE_TEXTS)
    js = Asset("widget.js", js_text.encode("utf-8"), "application/javascript")
    return {a.name: a for a in (css, js)}


def ancestors_of(frame_ancestors: list[str] | None) -> str:
    """The CSP `frame-ancestors` source list for a page's embedding sites."""
    if frame_ancestors is None:
        return "'none'"
    return "*" if "*" in frame_ancestors else " ".join(frame_ancestors) or "'none'"


# Our own scripts and styles only, nothing inline.
SOURCES = {
    "script-src": "'self'",
    "style-src": "'self'",
    "connect-src": "'self'",
    "img-src": "'self' data:",
}


def html_page(
    template: str,
    context: Mapping[str, object],
    *,
    frame_ancestors: list[str] | None = None,
    status: int = 200,
    lang: str = "en",
) -> web.Response:
    """A rendered page under the directory's CSP (see `shared.web.html_page`)."""
    return shared_page(
        render(TEMPLATES, template, lang, **context),
        lang=lang,
        sources=SOURCES,
        frame_ancestors=ancestors_of(frame_ancestors),
        status=status,
    )


def cors_headers(request: web.Request, origins: list[str]) -> dict[str, str]:
    """CORS for embedders: open to all when the list is '*', else only to the listed sites."""
    origin = request.headers.get("Origin")
    if "*" in origins:
        return {"Access-Control-Allow-Origin": "*"}
    if origin and origin in origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def back_to(url: str | None, origins: list[str]) -> str | None:
    """`url` if it is a web page on one of the sites allowed to embed, else None.

    The reveal page links back to it, so it must never be a stranger's page (or a
    `javascript:` URL) put in a link by whoever wrote the query string.
    """
    if not url or len(url) > 2000:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url if "*" in origins or origin_of(url) in origins else None
