"""The embed builder: pick a network, a member network and a language; see it; copy a snippet."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from services.console.keys import SETTINGS
from services.console.pages import my_networks, networks_of, render, subtree
from shared.i18n import LANGUAGES

routes = web.RouteTableDef()


@routes.get("/embed")
async def embed_builder(request: web.Request) -> web.Response:
    """Three snippets for the chosen view, and the widget itself, live."""
    networks = await networks_of(request)
    mine = my_networks(request) or [n["slug"] for n in networks if not n.get("parent")]
    tops = [n for n in networks if n["slug"] in mine]
    network = request.query.get("network") or (tops[0]["slug"] if tops else "")
    if network not in mine:
        network = tops[0]["slug"] if tops else ""
    members = subtree(networks, network)
    member = request.query.get("member", "")
    if member not in {m["slug"] for m in members} or member == network:
        member = ""
    lang = request.query.get("lang", "")
    lang = lang if lang in LANGUAGES else ""
    base = request.app[SETTINGS].public_directory_base
    params = {k: v for k, v in (("member", member), ("lang", lang)) if v}
    query = f"?{urlencode(params)}" if params else ""
    attributes = f' network="{network}"' + "".join(f' {k}="{v}"' for k, v in params.items())
    snippets = {
        "js": f'<script src="{base}/widget.js" defer></script>\n'
        f"<kontakt-contacts{attributes}></kontakt-contacts>",
        "iframe": f'<iframe src="{base}/embed/{network}{query}" title="Contacts" '
        'style="width:100%;height:600px;border:0" loading="lazy"></iframe>',
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
        },
    )
