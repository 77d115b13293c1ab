"""Subscribing (form and API), double opt-in, and unsubscribing with one click (RFC 8058)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import asyncpg
from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing.keys import POOL, QUERIES, SETTINGS
from services.mailing.optin import client_over_limit, subscribe
from services.mailing.pasted_forms import NO_KEY, pasted_form_refusal
from services.mailing.public_pages import (
    link_expired,
    own_page_form,
    page,
    page_lang,
    person_lang,
)
from shared import metrics
from shared.addresses import checked_address
from shared.addresses import refusal as address_refusal
from shared.clientip import client_address
from shared.errors import FieldError, NotFound, RateLimited, read_form, read_object
from shared.http import origin_of, posted_from
from shared.i18n import LANGUAGES, Translator, pick, translator
from shared.payloads import JSON
from shared.ratelimit import try_again
from shared.signing import BadToken, Keys
from shared.validate import Fields, person_name

log = logging.getLogger("kontakt.mailing.subscriptions")
routes = web.RouteTableDef()
FORM_TTL = 86_400


async def _list(request: web.Request) -> asyncpg.Record:
    async with request.app[POOL].acquire() as conn:
        row: asyncpg.Record | None = await conn.fetchrow(
            request.app[QUERIES]["get-list"], request.match_info["slug"]
        )
    if row is None:
        raise NotFound("No list %(slug)r.", values={"slug": request.match_info["slug"]})
    return row


@routes.get("/subscribe/{slug}")
async def form(request: web.Request) -> web.Response:
    """The public, embeddable subscribe form in the list's (or the asked) language."""
    if "text/html" in request.headers.get("Accept", ""):
        try:
            lst = await _list(request)
        except NotFound:
            # A typo in a pasted iframe: a page a person can read inside the frame.
            lang = person_lang(request)
            tr = translator(lang)
            return page(
                lang,
                tr.gettext("Subscribe"),
                status=404,
                frameable=True,
                error=tr.gettext(
                    "There is no newsletter %(slug)s here. The website's owner can copy the "
                    "form again from the Kontakt console (Embed on a website).",
                    slug=request.match_info["slug"],
                ),
            )
    else:
        lst = await _list(request)
    lang = page_lang(request.query.get("lang"), lst["lang"])
    token = Keys.of(request.app[SETTINGS]).sign("form", {"l": lst["id"]}, FORM_TTL)
    title = translator(lang).gettext(
        "Subscribe to %(list)s", list=pick(lst["names"], lang, lst["lang"])
    )
    return page(lang, title, frameable=True, form="subscribe", slug=lst["slug"], form_token=token)


@routes.post("/subscribe/{slug}")
async def form_post(request: web.Request) -> web.Response:
    """The form's answer is the same whatever the address's state: nothing leaks."""
    lst = await _list(request)
    fields = await read_form(request)
    lang = page_lang(fields.get("lang"), lst["lang"])
    tr = translator(lang)
    title = tr.gettext("Subscribe to %(list)s", list=pick(lst["names"], lang, lst["lang"]))
    settings = request.app[SETTINGS]
    # A form pasted into the list's site: its key and that site's origin; the answer is the
    # registered thank-you page, whatever the address's state.
    # A form with neither the hosted form's token nor a key is a pasted one without its key.
    pasted = "form_key" in fields or "form_token" not in fields
    list_name = pick(lst["names"], lang, lst["lang"])
    claims: dict[str, JSON] = {}
    if pasted:
        why = pasted_form_refusal(request, settings, lst, str(fields.get("form_key", "")))
        accepted = why is None
        refusal = tr.gettext(
            why or NO_KEY, list=list_name, site=origin_of(lst["thank_you_url"] or "")
        )
    else:
        try:
            claims = Keys.of(settings).verify("form", fields.get("form_token", ""))
        except BadToken:
            claims = {}
        own = origin_of(settings.public_mailing_base)
        accepted = claims.get("l") == lst["id"] and posted_from(request, {own})
        if claims.get("l") == lst["id"] and not accepted:
            # A good token from another page (or Origin: null): reloading would not help.
            sites = [own, *([origin_of(lst["thank_you_url"])] if lst["thank_you_url"] else [])]
            refusal = tr.gettext(
                "This form must be sent from the page of %(list)s on %(sites)s. Reloading "
                "will not help: open the newsletter's own page, or the site it is registered "
                "for, and subscribe there.",
                list=list_name,
                sites=", ".join(sites),
            )
        else:
            refusal = tr.gettext("The form has expired. Please load the page again.")
    if not accepted:
        metrics.SUBSCRIBES.labels("form", "refused").inc()
        return page(lang, title, frameable=True, status=403, error=refusal)
    # A pasted form (or the hosted form it sent a mistyped address to, its token marked "t")
    # ends on the list's registered thank-you page.
    thanked = bool(lst["thank_you_url"]) and (pasted or bool(claims.get("t")))
    # ...and a refusal on our page there links back to that site.
    back = origin_of(lst["thank_you_url"]) + "/" if thanked else None
    done = (
        web.Response(
            status=303, headers={"Location": lst["thank_you_url"], "Cache-Control": "no-store"}
        )
        if thanked
        else page(
            lang,
            title,
            frameable=True,
            message=tr.gettext(
                "Thank you. If the address can receive mail, a message with a confirmation link "
                "is on its way. The subscription starts when you confirm it."
            ),
        )
    )
    if fields.get("website"):
        metrics.SUBSCRIBES.labels("form", "honeypot").inc()
        return done  # a bot filled the honeypot
    wait = await client_over_limit(request)
    if wait is not None:
        metrics.SUBSCRIBES.labels("form", "rate_limited").inc()
        response = page(
            lang,
            title,
            frameable=True,
            status=429,
            error=try_again(tr, wait),
            back=back,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    # The one name rule (shared.validate), checked with the address: a page with both wrong
    # says both at once.
    name, name_refused = person_name(str(fields.get("name", "")))
    address_error = None
    try:
        address = await checked_address(
            fields.get("email", ""), deliverable=settings.email_check_deliverability
        )
    except EmailNotValidError as exc:
        metrics.SUBSCRIBES.labels("form", "invalid_address").inc()
        address_error = tr.message(*address_refusal(exc))
    if name_refused is not None:
        metrics.SUBSCRIBES.labels("form", "invalid_name").inc()
    if address_error is not None or name_refused is not None:
        return page(
            lang,
            title,
            frameable=True,
            status=422,
            error=address_error,
            form_goes_on_to=origin_of(lst["thank_you_url"]) if thanked else None,
            form="subscribe",
            slug=lst["slug"],
            # Corrected here, on our own page: the pasted form's retry is our hosted form,
            # whose token says to go on to the thank-you page after.
            form_token=Keys.of(settings).sign("form", {"l": lst["id"], "t": 1}, FORM_TTL)
            if pasted
            else fields.get("form_token", ""),
            email=str(fields.get("email", ""))[:254],
            # Shown again without what it may not hold: those characters are invisible, so a
            # person could not find them to delete; sending again sends what they see.
            name=name,
            name_error=None if name_refused is None else _name_error(tr, name_refused),
        )
    await subscribe(request, lst, address, name, lang, "form")
    metrics.SUBSCRIBES.labels("form", "accepted").inc()
    return done


def _name_error(tr: Translator, refused: FieldError) -> str:
    """What the form says beside the name field, in the reader's language."""
    if "num" in refused.values:
        num = refused.values["num"]
        assert isinstance(num, int)
        return tr.ngettext(
            "The name can be at most %(num)s character long.",
            "The name can be at most %(num)s characters long.",
            num,
        )
    return tr.gettext(
        "A name cannot contain control characters, line breaks or invisible characters such "
        "as text-direction marks. We took them out: check the name and send the form again."
    )


@routes.post("/v1/lists/{slug}/subscribe")
async def api_subscribe(request: web.Request) -> web.Response:
    """Subscribe through the API: always 202, whatever the address's state."""
    lst = await _list(request)
    body = await read_object(request)
    f = Fields(body)
    f.unknown({"email", "name", "lang"})
    raw = f.text("email", required=True, max_length=254)
    name = f.name("name", default="") or ""
    if any(e.field == "name" for e in f.errors):
        metrics.SUBSCRIBES.labels("api", "invalid_name").inc()
    lang = f.choice("lang", LANGUAGES, default=lst["lang"]) or lst["lang"]
    address = ""
    if raw:
        try:  # the address's form only: no DNS before the client's budget is known
            address = await checked_address(raw, deliverable=False)
        except EmailNotValidError as exc:
            metrics.SUBSCRIBES.labels("api", "invalid_address").inc()
            f.refused_address("email", exc)
    f.done()
    wait = await client_over_limit(request)
    if wait is not None:
        metrics.SUBSCRIBES.labels("api", "rate_limited").inc()
        raise RateLimited("Too many subscribe requests from this client.", retry_after=wait)
    if request.app[SETTINGS].email_check_deliverability:
        try:  # the DNS lookup, only for a client within its budget
            address = await checked_address(raw or "", deliverable=True)
        except EmailNotValidError as exc:
            metrics.SUBSCRIBES.labels("api", "invalid_address").inc()
            f.refused_address("email", exc)
            f.done()
    assert address
    await subscribe(request, lst, address, name, lang, "api")
    metrics.SUBSCRIBES.labels("api", "accepted").inc()
    return web.json_response({"status": "accepted"}, status=202)


@dataclass(frozen=True)
class _Claims:
    """A confirm or unsubscribe link's signed claims: whose subscription, and what was asked."""

    list_id: int
    subscriber: int
    nonce: str  # a confirmation link's single use (outbox.py)
    name: str | None  # the name and language the subscribe request asked for
    lang: str | None


def _claims(request: web.Request, purpose: str) -> _Claims | None:
    try:
        raw = Keys.of(request.app[SETTINGS]).verify(purpose, request.match_info["token"])
    except BadToken:
        return None
    list_id, subscriber, name, lang = raw.get("l"), raw.get("s"), raw.get("name"), raw.get("lang")
    if not isinstance(list_id, int) or not isinstance(subscriber, int):
        return None
    return _Claims(
        list_id,
        subscriber,
        str(raw.get("n")),
        # A link mailed before the one name rule may carry what it refuses: taken out here.
        person_name(name)[0] if isinstance(name, str) else None,
        lang if isinstance(lang, str) and lang in LANGUAGES else None,
    )


async def _view(request: web.Request, claims: _Claims) -> asyncpg.Record | None:
    async with request.app[POOL].acquire() as conn:
        view: asyncpg.Record | None = await conn.fetchrow(
            request.app[QUERIES]["subscription-view"], claims.list_id, claims.subscriber
        )
    return view


@routes.get("/confirm/{token}")
async def confirm_page(request: web.Request) -> web.Response:
    """A page with one button: link scanners only GET, so they never confirm anyone."""
    claims = _claims(request, "confirm")
    view = await _view(request, claims) if claims else None
    lang = person_lang(request, request.query.get("lang"), view["lang"] if view else None)
    tr = translator(lang)
    if view is None:
        return link_expired(lang, tr.gettext("Confirm your subscription"))
    assert claims is not None
    async with request.app[POOL].acquire() as conn:
        used = await conn.fetchval(request.app[QUERIES]["token-used"], _nonce(claims))
    if used and view["status"] == "confirmed":
        # The link's second click: the person is subscribed, and nothing is left to do.
        return _subscribed(lang, view)
    if used:
        return link_expired(lang, tr.gettext("Confirm your subscription"), status=410)
    return page(
        lang,
        tr.gettext("Confirm your subscription"),
        message=_what_is_confirmed(tr, view, claims, lang),
        form=f"/confirm/{request.match_info['token']}",
        button=tr.gettext("Confirm subscription"),
    )


def _what_is_confirmed(tr: Translator, view: asyncpg.Record, claims: _Claims, lang: str) -> str:
    """The page's words: the address, the list, and the name this request asked for."""
    list_name = pick(view["names"], lang, view["list_lang"])
    said = tr.gettext(
        "Please confirm that %(email)s wants to receive %(list)s.",
        email=view["email"],
        list=list_name,
    )
    if claims.name:
        said += " " + tr.gettext("The newsletter will address you as “%(name)s”.", name=claims.name)
    return said


def _nonce(claims: _Claims) -> bytes:
    """How a confirmation link's single use is recorded."""
    return hashlib.sha256(claims.nonce.encode()).digest()


def _subscribed(lang: str, view: asyncpg.Record) -> web.Response:
    """A used link of someone who is subscribed says so, not "expired"."""
    tr = translator(lang)
    list_name = pick(view["names"], lang, view["list_lang"])
    return page(
        lang,
        tr.pgettext("page title", "Subscription confirmed"),
        message=tr.gettext(
            "You are subscribed to %(list)s. There is nothing more to do.", list=list_name
        ),
    )


@routes.post("/confirm/{token}")
@own_page_form
async def confirm(request: web.Request) -> web.Response:
    """Confirm, once: the token's nonce is recorded as used."""
    claims = _claims(request, "confirm")
    fields = await read_form(request) if request.can_read_body else {}
    view = await _view(request, claims) if claims else None
    lang = person_lang(request, fields.get("lang"), view["lang"] if view else None)
    tr = translator(lang)
    if claims is None or view is None:
        return link_expired(lang, tr.gettext("Confirm your subscription"))
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(q["use-token"], _nonce(claims)) is None:
            if view["status"] == "confirmed":
                return _subscribed(lang, view)
            return link_expired(lang, tr.gettext("Confirm your subscription"), status=410)
        # The evidence of consent: when, from where, and the words the person agreed to.
        shown = (
            f"{_what_is_confirmed(tr, view, claims, lang)} [{tr.gettext('Confirm subscription')}]"
        )
        client = client_address(request, request.app[SETTINGS].trusted_proxies)
        await conn.execute(
            q["confirm"],
            claims.list_id,
            claims.subscriber,
            client,
            shown,
            lang,
            claims.name,
            claims.lang,
        )
    list_name = pick(view["names"], lang, view["list_lang"])
    return page(
        lang,
        tr.pgettext("page title", "Subscription confirmed"),
        message=tr.gettext(
            "Thank you, your subscription to %(list)s is confirmed.", list=list_name
        ),
    )


@routes.get("/unsubscribe/{token}")
async def unsubscribe_page(request: web.Request) -> web.Response:
    """A GET only shows a page: unsubscribing takes a POST."""
    claims = _claims(request, "unsubscribe")
    view = await _view(request, claims) if claims else None
    lang = person_lang(request, request.query.get("lang"), view["lang"] if view else None)
    tr = translator(lang)
    if view is None:
        return link_expired(lang, tr.pgettext("page title", "Unsubscribe"))
    list_name = pick(view["names"], lang, view["list_lang"])
    if view["status"] == "unsubscribed":
        return page(
            lang,
            tr.pgettext("page title", "Unsubscribe"),
            message=tr.gettext(
                "You are unsubscribed from %(list)s. No further messages will be sent.",
                list=list_name,
            ),
        )
    return page(
        lang,
        tr.pgettext("page title", "Unsubscribe"),
        message=tr.gettext(
            "Stop sending %(list)s to %(email)s?", list=list_name, email=view["email"]
        ),
        form=f"/unsubscribe/{request.match_info['token']}",
        button=tr.gettext("Unsubscribe"),
    )


@routes.post("/unsubscribe/{token}")
async def unsubscribe(request: web.Request) -> web.Response:
    """RFC 8058 one-click: a POST without cookies unsubscribes and never redirects."""
    claims = _claims(request, "unsubscribe")
    view = await _view(request, claims) if claims else None
    fields = (
        await read_form(request)
        if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}
        else {}
    )
    lang = person_lang(request, fields.get("lang"), view["lang"] if view else None)
    tr = translator(lang)
    if claims is None or view is None:
        return link_expired(lang, tr.pgettext("page title", "Unsubscribe"))
    async with request.app[POOL].acquire() as conn:
        await conn.execute(request.app[QUERIES]["unsubscribe"], claims.list_id, claims.subscriber)
    list_name = pick(view["names"], lang, view["list_lang"])
    return page(
        lang,
        tr.pgettext("page title", "Unsubscribe"),
        message=tr.gettext(
            "You are unsubscribed from %(list)s. No further messages will be sent.", list=list_name
        ),
    )
