"""The embed builder: pick a network, a member network and a language; see it; copy a snippet."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from services.console.backend import Forbidden
from services.console.keys import SETTINGS
from services.console.pages import backend, me, my_networks, networks_of, render, subtree
from shared.i18n import LANGUAGES
from shared.text import form_fields

routes = web.RouteTableDef()


@routes.get("/embed")
async def embed_builder(request: web.Request) -> web.Response:
    """Three snippets for the chosen view, and the widget itself, live."""
    return await _builder(request)


async def _builder(
    request: web.Request,
    *,
    chosen_slug: str | None = None,
    typed: str | None = None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    networks = await networks_of(request)
    mine = my_networks(request) or [n["slug"] for n in networks if not n.get("parent")]
    tops = [n for n in networks if n["slug"] in mine]
    network = chosen_slug or request.query.get("network") or (tops[0]["slug"] if tops else "")
    if network not in mine:
        network = tops[0]["slug"] if tops else ""
    members = subtree(networks, network)
    member = request.query.get("member", "")
    if member not in {m["slug"] for m in members} or member == network:
        member = ""
    chosen = next((n for n in networks if n["slug"] == network), None)
    lang = request.query.get("lang", "")
    lang = lang if lang in LANGUAGES else ""
    base = request.app[SETTINGS].public_directory_base
    params = {k: v for k, v in (("member", member), ("lang", lang)) if v}
    query = f"?{urlencode(params)}" if params else ""
    attributes = f' network="{network}"' + "".join(f' {k}="{v}"' for k, v in params.items())
    snippets = {
        "js": f'<script src="{base}/widget.js" defer></script>\n'
        f"<kontakt-contacts{attributes}></kontakt-contacts>",
        # The script sizes the frame to its cards (600 px until it runs, or without it); the
        # referrer policy lets the no-JS reveal page link back to the very page it came from.
        "iframe": f'<iframe src="{base}/embed/{network}{query}" title="Contacts" '
        'style="width:100%;height:600px;border:0" loading="lazy" '
        'referrerpolicy="no-referrer-when-downgrade"></iframe>\n'
        f'<script src="{base}/widget.js" async></script>',
        "fragment": f"{base}/fragment/{network}{query}",
    }
    return render(
        request,
        "embed.html",
        {
            "tops": tops,
            "network": network,
            "members": members,
            "member": member,
            "chosen_lang": lang,
            "snippets": snippets,
            "widget_base": base,
            "params": params,
            # The sites that may show the chosen network's contacts and reveal addresses.
            "origins": chosen.get("embed_origins") if chosen else None,
            "inherited": _inherited(networks, network),
            "origins_typed": typed,
            "error": error,
        },
        status=status,
    )


def _inherited(networks: list[dict[str, Any]], slug: str) -> list[str]:
    """The list a network without its own uses: its nearest ancestor's."""
    by_slug = {n["slug"]: n for n in networks}
    parent = by_slug.get(slug, {}).get("parent")
    while parent in by_slug:
        if by_slug[parent].get("embed_origins"):
            return list(by_slug[parent]["embed_origins"])
        parent = by_slug[parent].get("parent")
    return []


@routes.post("/embed/origins")
async def save_origins(request: web.Request) -> web.Response:
    """An admin lists the sites (one origin a line) that may embed a network; empty: inherit."""
    if not me(request).get("is_admin"):
        raise Forbidden()
    form = await form_fields(request)
    network = str(form.get("network", ""))
    typed = str(form.get("origins", ""))[:5000]
    origins = [line.strip().rstrip("/") for line in typed.split() if line.strip()]
    answer = await backend(request).call(
        "directory",
        "PATCH",
        f"/v1/networks/{quote(network, safe='')}",
        json={"embed_origins": origins or None},
        strict=False,
    )
    if not answer.ok:
        return await _builder(
            request,
            chosen_slug=network,
            typed=typed,
            error=answer.refusal,
            status=answer.refusal_status,
        )
    raise web.HTTPSeeOther(f"/embed?{urlencode({'network': network})}")
