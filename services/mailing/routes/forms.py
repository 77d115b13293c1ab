"""Subscribe forms on a list's own website: the per-list key, who may post, what they show.

The hosted form (`/subscribe/{slug}`, also in an iframe) carries a signed token valid a day.
A form pasted into another site cannot (it is copied once and lives for years), so it
carries the list's form key instead, and a post with it is accepted only from the site of
the thank-you page registered for the list, which is where the person is sent after.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from services.mailing.keys import POOL, QUERIES, SETTINGS
from services.mailing.paths import STATIC
from shared.errors import NotFound
from shared.http import origin_of
from shared.i18n import LANGUAGES, N_, pick, script_texts, translator
from shared.settings import Settings
from shared.signing import Keys

routes = web.RouteTableDef()


def form_key(settings: Settings, list_id: int) -> str:
    """The key a list's pasted forms carry (24 hex digits); it changes only with the secret."""
    return Keys.of(settings).mac_hex("list-form", str(list_id), 24)


def pasted_form_accepted(
    settings: Settings, lst: asyncpg.Record, key: str, origin: str | None
) -> bool:
    """Whether a post carrying form key `key` may subscribe to `lst` from page origin `origin`.

    Browsers send `Origin` with every cross-site POST (Fetch standard); a pasted form works
    only on the site of the list's registered thank-you page (or our own hosted form), so
    another site's page cannot make its visitors subscribe anyone.
    """
    if not lst["thank_you_url"] or not key:
        return False
    own = origin_of(settings.public_mailing_base)
    if origin not in {own, origin_of(lst["thank_you_url"])}:
        return False
    return Keys.of(settings).check_hex("list-form", str(lst["id"]), key, 24)


# What subscribe.js says when the form does not arrive: in the script itself, every language.
OFFLINE_TEXTS = {"not_loaded": N_("The form could not be loaded.")}
SUBSCRIBE_JS = script_texts((STATIC / "subscribe.js").read_text(encoding="utf-8"), OFFLINE_TEXTS)


@routes.get("/static/subscribe.js")
async def subscribe_script(request: web.Request) -> web.Response:
    """subscribe.js with its own few texts filled in from the catalogs (before the static files)."""
    return web.Response(
        text=SUBSCRIBE_JS,
        content_type="application/javascript",
        headers={"Cache-Control": "public, max-age=300"},
    )


@routes.get("/v1/lists/{slug}/form")
async def form_texts(request: web.Request) -> web.Response:
    """What `<kontakt-subscribe>` shows: the list's name and the form's words in `?lang=`."""
    async with request.app[POOL].acquire() as conn:
        lst = await conn.fetchrow(request.app[QUERIES]["get-list"], request.match_info["slug"])
    if lst is None:
        raise NotFound("No list %(slug)r.", values={"slug": request.match_info["slug"]})
    asked = request.query.get("lang")
    lang = asked if asked in LANGUAGES else lst["lang"]
    tr = translator(lang)
    name = pick(lst["names"], lang, lst["lang"])
    body: dict[str, Any] = {
        "lang": lang,
        "title": tr.gettext("Subscribe to %(list)s", list=name),
        "action": f"{request.app[SETTINGS].public_mailing_base}/subscribe/{lst['slug']}",
        "labels": {
            "email": tr.gettext("E-mail address"),
            "name": tr.gettext("Name (optional)"),
            "subscribe": tr.gettext("Subscribe"),
        },
    }
    # Public words only; anyone may read them, from any site.
    return web.json_response(
        body, headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}
    )
