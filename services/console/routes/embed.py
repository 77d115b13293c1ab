"""The embed builder: pick a network, a member network and a language; see it; copy a snippet."""

from __future__ import annotations

from html import escape
from typing import TypedDict
from urllib.parse import quote, urlencode, urlsplit

from aiohttp import web

from services.console.backend import sentence
from services.console.keys import SETTINGS
from services.console.pages import (
    backend,
    my_networks,
    networks_of,
    render,
    require_admin,
    subtree,
)
from shared.http import unicode_origin
from shared.i18n import LANGUAGES, translator
from shared.payloads import MailingList, Network
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
    thank_you: tuple[str, str] | None = None,
    origins_error: list[str] | None = None,
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
    # The frame's title is read out in the widget's language: the one chosen, else the shown
    # network's own (the widget's choice too), so a screen reader never says English "Contacts".
    shown = next((n for n in members if n["slug"] == (member or network)), chosen)
    widget_lang = lang or (shown["default_lang"] if shown else "en")
    title = escape(translator(widget_lang).gettext("Contacts"))
    snippets = {
        "js": f'<script src="{base}/widget.js" defer></script>\n'
        f"<kontakt-contacts{attributes}></kontakt-contacts>",
        # The script sizes the frame to its cards (600 px until it runs, or without it); the
        # referrer policy lets the no-JS reveal page link back to the very page it came from.
        "iframe": f'<iframe src="{base}/embed/{network}{query}" title="{title}" '
        f'lang="{widget_lang}" '
        'width="100%" height="600" loading="lazy" '
        'referrerpolicy="no-referrer-when-downgrade"></iframe>\n'
        f'<script src="{base}/widget.js" async></script>',
        "fragment": f"{base}/fragment/{network}{query}",
        # The fragment is bare cards: the page brings their styles and the one-click reveal.
        "fragment-head": f'<link rel="stylesheet" href="{base}/widget.css">\n'
        f'<script src="{base}/widget.js" defer></script>',
    }
    subscribe = await _subscribe_form(request, members, lang)
    return render(
        request,
        "embed.html",
        {
            "subscribe": subscribe,
            # A thank-you page refused: what was typed, and why.
            "thank_you": thank_you,
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
            # An internationalised site as a person writes it, beside the form browsers send.
            "written": {
                o: unicode_origin(o)
                for o in [
                    *((chosen.get("embed_origins") or []) if chosen else []),
                    *_inherited(networks, network),
                ]
            },
            "origins_typed": typed,
            "error": error,
            "origins_error": origins_error or [],
        },
        status=status,
    )


class _FormTexts(TypedDict):
    """The mailing service's `GET /v1/lists/{slug}/form`: the form's words in one language."""

    lang: str
    title: str
    action: str
    labels: dict[str, str]


async def _subscribe_form(
    request: web.Request, members: list[Network], lang: str
) -> dict[str, object] | None:
    """The chosen newsletter of the chosen networks, and its form three ways; None if none."""
    if not my_networks(request, "manage_lists"):
        return None
    api = backend(request)
    slugs = {m["slug"] for m in members}
    every: list[MailingList] = (await api.get("mailing", "/v1/lists"))["items"]
    lists = [x for x in every if x["network"] in slugs]
    if not lists:
        return {"lists": [], "list": None}
    wanted = request.query.get("list", "")
    slug = wanted if wanted in {x["slug"] for x in lists} else lists[0]["slug"]
    path = f"/v1/lists/{quote(slug, safe='')}"
    answer = await api.call("mailing", "GET", path, strict=False)
    if not answer.ok:
        return None  # not a list this coordinator manages
    lst: MailingList = answer.data
    texts: _FormTexts = await api.get("mailing", f"{path}/form" + (f"?lang={lang}" if lang else ""))
    base = request.app[SETTINGS].public_mailing_base
    return {
        "lists": lists,
        "list": lst,
        "snippets": _subscribe_snippets(base, lst, texts, lang),
    }


def _subscribe_snippets(
    base: str, lst: MailingList, texts: _FormTexts, lang: str
) -> dict[str, str]:
    """The list's subscribe form as a script, an iframe and plain HTML (escaped values)."""
    slug, key, words = escape(lst["slug"]), escape(lst.get("form_key", "")), texts["labels"]
    lang_attribute = f' lang="{escape(lang)}"' if lang else ""
    query = f"?lang={escape(lang)}" if lang else ""
    return {
        "js": f'<script src="{base}/static/subscribe.js" async></script>\n'
        f'<kontakt-subscribe list="{slug}" key="{key}"{lang_attribute}></kontakt-subscribe>',
        # Sized by attributes: a host page's strict CSP ignores style attributes.
        "iframe": f'<iframe src="{base}/subscribe/{slug}{query}" title="{escape(texts["title"])}" '
        'width="100%" height="360" loading="lazy"></iframe>',
        "form": f'<form method="post" action="{base}/subscribe/{slug}">\n'
        f'  <input type="hidden" name="form_key" value="{key}">\n'
        f'  <input type="hidden" name="lang" value="{escape(texts["lang"])}">\n'
        f'  <label for="kontakt-email">{escape(words["email"])}</label>\n'
        '  <input id="kontakt-email" name="email" type="email" required autocomplete="email">\n'
        f'  <label for="kontakt-name">{escape(words["name"])}</label>\n'
        '  <input id="kontakt-name" name="name" autocomplete="name">\n'
        f'  <button type="submit">{escape(words["subscribe"])}</button>\n'
        "</form>",
    }


@routes.post("/embed/thank-you")
async def save_thank_you(request: web.Request) -> web.Response:
    """Register where a list's pasted forms send people (and so the one site they work on)."""
    form = await form_fields(request)
    network, slug = str(form.get("network", "")), str(form.get("list", ""))
    url = str(form.get("thank_you_url", "")).strip()
    return await _change(
        request,
        ("mailing", f"/v1/lists/{quote(slug, safe='')}", {"thank_you_url": url or None}),
        network,
        f"/embed?{urlencode({'network': network, 'list': slug})}#subscribe",
        thank_you_typed=url,
    )


async def _change(
    request: web.Request,
    change: tuple[str, str, dict[str, object]],
    network: str,
    done: str,
    *,
    origins_typed: str | None = None,
    thank_you_typed: str | None = None,
) -> web.Response:
    """PATCH `change` (service, path, body) and go to `done`; refused: the builder, as typed."""
    service, path, body = change
    answer = await backend(request).call(service, "PATCH", path, json=body, strict=False)
    if answer.ok:
        raise web.HTTPSeeOther(done)
    # Beside its own field: the reason alone (the field says what it is).
    thank_you = None if thank_you_typed is None else (thank_you_typed, answer.reasons)
    # A site refused: beside the sites, which one (as sent) and why; never `embed_origins[2]`.
    sent = body.get("embed_origins")
    origins_error = None
    if origins_typed is not None and isinstance(sent, list):
        origins_error = []
        for path, message in answer.field_errors().items():
            index = path.removeprefix("embed_origins[").removesuffix("]")
            known = index.isascii() and index.isdigit() and int(index) < len(sent)
            site = sent[int(index)] if known else None
            said = sentence(message)
            origins_error.append(f"{site}: {said}" if site else said)
        origins_error = origins_error or [answer.detail]
    return await _builder(
        request,
        chosen_slug=network,
        typed=origins_typed,
        error="" if thank_you or origins_error else answer.refusal,
        thank_you=thank_you,
        origins_error=origins_error,
        status=answer.refusal_status,
    )


def _site_of(line: str) -> str:
    """A typed site as an origin: a page's address (`http://x.example/path?q=1`) is reduced to
    its site (`http://x.example`), as browsers send it; anything else is sent as typed."""
    if line == "*":
        return line
    try:
        parts = urlsplit(line)
        port = parts.port
    except ValueError:
        return line
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return line
    return f"{parts.scheme.lower()}://{parts.hostname}" + (f":{port}" if port else "")


def _inherited(networks: list[Network], slug: str) -> list[str]:
    """The list a network without its own uses: its nearest ancestor's."""
    by_slug = {n["slug"]: n for n in networks}
    here = by_slug.get(slug)
    parent = here["parent"] if here else None
    while parent is not None and parent in by_slug:
        origins = by_slug[parent].get("embed_origins")
        if origins:
            return list(origins)
        parent = by_slug[parent]["parent"]
    return []


@routes.post("/embed/origins")
async def save_origins(request: web.Request) -> web.Response:
    """An admin lists the sites (one origin a line) that may embed a network; empty: inherit."""
    require_admin(request)
    form = await form_fields(request)
    network = str(form.get("network", ""))
    typed = str(form.get("origins", ""))[:5000]
    origins = [_site_of(line.strip().rstrip("/")) for line in typed.split() if line.strip()]
    return await _change(
        request,
        (
            "directory",
            f"/v1/networks/{quote(network, safe='')}",
            {"embed_origins": origins or None},
        ),
        network,
        f"/embed?{urlencode({'network': network})}",
        origins_typed=typed,
    )
