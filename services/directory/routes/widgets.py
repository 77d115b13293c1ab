"""The three ways to embed contacts: widget.js with its JSON, an iframe page, an HTML fragment."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from services.directory.cards import Rendering, cache_key, render
from services.directory.keys import ASSETS, CACHE
from services.directory.pages import TEMPLATES, back_to, cors_headers, html_page
from services.directory.reading import dumps
from shared.conditional import matches, not_modified
from shared.templates import render as render_page

routes = web.RouteTableDef()


async def _body(
    request: web.Request, kind: str, build: Callable[[Rendering], bytes]
) -> tuple[bytes, Rendering]:
    """The answer's bytes and what they show, from memory while nothing has changed."""
    key = cache_key(request)
    rendering = await render(request, key)
    if key is None:
        return build(rendering), rendering
    cached = request.app[CACHE].get(f"{kind}\x1f{key}")
    if cached is None:
        cached = build(rendering)
        request.app[CACHE].put(f"{kind}\x1f{key}", cached)
    return cached, rendering


@routes.get("/v1/widget/{network}")
async def widget_data(request: web.Request) -> web.Response:
    """Cards for widget.js, with reveal tokens and labels in the page's language."""
    body, rendering = await _body(request, "json", lambda r: dumps(r.as_json()))
    headers = cors_headers(request, rendering.origins) | {"Cache-Control": "no-store"}
    return web.Response(
        body=body, content_type="application/json", charset="utf-8", headers=headers
    )


@routes.get("/embed/{network}")
async def embed(request: web.Request) -> web.Response:
    """A whole page for an iframe; works with JavaScript off, better with it on."""
    rendering = await render(request, cache_key(request))
    assets = request.app[ASSETS]
    return html_page(
        "embed.html",
        {
            "r": rendering,
            "labels": rendering.labels,
            "css": assets["widget.css"].versioned,
            "js": assets["widget.js"].versioned,
            "framed": True,
            # The page the frame sits in, for the no-JS reveal page's way back.
            "back": back_to(request.headers.get("Referer"), rendering.origins),
        },
        frame_ancestors=rendering.origins,
        lang=rendering.lang,
    )


@routes.get("/fragment/{network}")
async def fragment(request: web.Request) -> web.Response:
    """Cards as an HTML fragment, for sites that include HTML on their server."""

    def build(r: Rendering) -> bytes:
        page = render_page(
            TEMPLATES, "fragment.html", r.lang, r=r, labels=r.labels, framed=False, back=None
        )
        return page.encode()

    body, rendering = await _body(request, "fragment", build)
    return web.Response(
        body=body,
        content_type="text/html",
        charset="utf-8",
        headers=cors_headers(request, rendering.origins) | {"Cache-Control": "no-store"},
    )


def _asset_response(request: web.Request, name: str, immutable: bool) -> web.StreamResponse:
    asset = request.app[ASSETS][name]
    etag = f'"{asset.digest}"'
    cache = "public, max-age=31536000, immutable" if immutable else "public, max-age=300"
    if matches(request, etag):
        return not_modified(etag, cache)
    return web.Response(
        body=asset.body,
        content_type=asset.content_type,
        charset="utf-8",
        headers={"ETag": etag, "Cache-Control": cache, "Access-Control-Allow-Origin": "*"},
    )


@routes.get("/widget.js")
async def widget_js(request: web.Request) -> web.StreamResponse:
    """The embeddable script; short cache, so new versions reach sites within minutes."""
    return _asset_response(request, "widget.js", immutable=False)


@routes.get("/widget.css")
async def widget_css(request: web.Request) -> web.StreamResponse:
    """The widget's styles (themable with CSS custom properties)."""
    return _asset_response(request, "widget.css", immutable=False)


@routes.get(r"/static/{stem:[a-z]+}.{digest:[0-9a-f]{12}}.{ext:js|css}")
async def versioned_asset(request: web.Request) -> web.StreamResponse:
    """A content-addressed asset: cached for a year."""
    name = f"{request.match_info['stem']}.{request.match_info['ext']}"
    asset = request.app[ASSETS].get(name)
    if asset is None or asset.digest != request.match_info["digest"]:
        raise web.HTTPNotFound()
    return _asset_response(request, name, immutable=True)
