"""Subscribe forms: `subscribe.js` with its texts, and what `<kontakt-subscribe>` shows.

Who may post a pasted form is `pasted_forms.py`.
"""

from __future__ import annotations

from aiohttp import web

from services.mailing.keys import POOL, QUERIES, SETTINGS
from services.mailing.paths import STATIC
from shared.errors import NotFound
from shared.i18n import LANGUAGES, N_, pick, script_texts, translator

routes = web.RouteTableDef()


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
    body = {
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
