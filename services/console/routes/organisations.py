"""Organisations: the list, a new one with its name in each language, renaming."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from services.console.backend import Answer
from services.console.forms import Form, FormValues, problems, revision, text, typed
from services.console.organisation_names import all_organisations, slug_from
from services.console.pages import backend, me, my_networks, render, session_of
from shared.i18n import LANGUAGES
from shared.text import form_fields

routes = web.RouteTableDef()
COUNTRIES = ("EE", "LV", "LT", "FI", "SE", "NO", "DK", "IS")
COUNTRY_LANGS = {"EE": "et", "LV": "lv", "LT": "lt"}


def _names(form: Form) -> dict[str, str]:
    return {lang: text(form, f"name_{lang}") for lang in LANGUAGES if text(form, f"name_{lang}")}


async def _page(
    request: web.Request,
    values: FormValues | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> web.Response:
    context = {
        "organisations": await all_organisations(request),
        "countries": COUNTRIES,
        "values": values or {},
        "errors": errors or {},
        "created": bool(request.query.get("created")),
        "admin": bool(me(request).get("is_admin")),
    }
    return render(request, "organisations.html", context, status=status)


@routes.get("/organisations")
async def organisations_page(request: web.Request) -> web.Response:
    """Every organisation, and a form for a new one."""
    return await _page(request)


@routes.post("/organisations")
async def create(request: web.Request) -> web.Response:
    """A new organisation; its slug made from its first name unless one is given."""
    form = await form_fields(request)
    names = _names(form)
    country = text(form, "country")
    # The slug from the name in the organisation's own country's language, else the first.
    own = names.get(COUNTRY_LANGS.get(country, ""), "") or next(iter(names.values()), "")
    slug = text(form, "slug") or slug_from(own)
    body = {
        "slug": slug,
        "names": names,
        "country": country or None,
        "website": text(form, "website") or None,
    }
    answer = await backend(request).call("directory", "POST", "/v1/organisations", json=body)
    if answer.ok:
        raise web.HTTPSeeOther(f"/organisations?created={quote(slug, safe='')}")
    return await _page(request, typed(form), _errors(answer), status=answer.refusal_status)


def _errors(answer: Answer) -> dict[str, list[str]]:
    """Problems by input (the API's `names.lv` beside the form's `name_lv`); a field with no
    input of its own (the country) at the top, named."""
    return problems(answer, {"slug", "website", *(f"name_{lang}" for lang in LANGUAGES)})


@routes.get("/organisations/{slug}")
async def organisation_page(request: web.Request) -> web.Response:
    """One organisation: its names in each language, country and website; a form to change them."""
    return await _one(request)


async def _one(
    request: web.Request,
    values: FormValues | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> web.Response:
    slug = quote(request.match_info["slug"], safe="")
    lang = session_of(request).lang
    organisation = await backend(request).get("directory", f"/v1/organisations/{slug}?lang={lang}")
    current = {f"name_{k}": v for k, v in organisation["names"].items()} | {
        "country": organisation["country"] or "",
        "website": organisation["website"] or "",
    }
    context = {
        "o": organisation,
        "countries": COUNTRIES,
        "values": values or current,
        "errors": errors or {},
        "saved": request.query.get("saved") == "1",
        # The directory decides (every contact working there must be the caller's to edit);
        # the form is offered to whoever edits contacts somewhere, and a refusal says why.
        "may_change": bool(my_networks(request, "edit_contacts")),
    }
    return render(request, "organisation.html", context, status=status)


@routes.post("/organisations/{slug}")
async def rename(request: web.Request) -> web.Response:
    """Save the names (one per language), country and website (403 unless the directory allows)."""
    form = await form_fields(request)
    slug = quote(request.match_info["slug"], safe="")
    body = {
        "names": _names(form),
        "country": text(form, "country") or None,
        "website": text(form, "website") or None,
        "revision": revision(form),
    }
    # A refusal (not every contact working there is the coordinator's) shows beside the form.
    answer = await backend(request).call(
        "directory", "PATCH", f"/v1/organisations/{slug}", json=body, strict=False
    )
    if answer.ok:
        raise web.HTTPSeeOther(f"/organisations/{slug}?saved=1")
    return await _one(request, typed(form), _errors(answer), status=answer.refusal_status)
