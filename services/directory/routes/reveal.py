"""Revealing an address after a person acts: a button (JSON) or, without JavaScript, a question."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from services.directory.cards import reveal_token
from services.directory.keys import POOL, QUERIES, SETTINGS
from services.directory.pages import back_to, cors_headers, html_page
from services.directory.ratelimit import spend
from services.directory.reading import dumps
from services.directory.texts import number_word
from services.directory.visibility import sight_of
from shared import metrics
from shared.errors import (
    DomainError,
    FieldError,
    Forbidden,
    RateLimited,
    ValidationFailed,
    domain_problem,
    problem_lang_var,
    read_form,
    read_object,
)
from shared.http import origin_of, posted_from
from shared.i18n import LANGUAGES, Translator, negotiate, translator
from shared.payloads import JSON, Lang, Redemption, is_lang
from shared.ratelimit import try_again
from shared.settings import Settings
from shared.signing import BadToken, Keys
from shared.validate import Fields, parse_id

routes = web.RouteTableDef()

CHALLENGE_TTL = 900


def _rendered(settings: Settings, token: str, contact_id: int | None = None) -> int:
    """The contact a render token names (it must be `contact_id` when given); 403 otherwise."""
    try:
        claims = Keys.of(settings).verify("render", token)
    except BadToken as exc:
        metrics.REVEALS.labels("refused").inc()
        raise Forbidden(
            "The reveal token is %(exc)s; reload the page.", values={"exc": exc.reason}
        ) from exc
    named = claims.get("c")
    if not isinstance(named, int) or (contact_id is not None and named != contact_id):
        raise Forbidden("The reveal token is for another contact.")
    return named


async def _addresses(request: web.Request, contact_id: int) -> tuple[str, list[str], list[str]]:
    """Name, addresses and revealing origins of a contact anyone may see; 403 otherwise.

    The origins are those set on its networks or above them, and the console's. Render
    tokens live for an hour: the contact may have been unpublished, made private or deleted
    since the page showed it, and the answer does not say which.
    """
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(q["get-contact"], contact_id, False)
        sight = await sight_of(conn, q, None)
        if row is None or not sight.contact(row["network_ids"]):
            raise Forbidden("This contact is no longer published.")
        found = await conn.fetch(q["contact-emails"], [contact_id])
        origins = list(await conn.fetchval(q["reveal-origins"], sight.within(row["network_ids"])))
    emails = list(found[0]["emails"]) if found else []
    origins.append(origin_of(request.app[SETTINGS].public_console_base))
    return row["display_name"], emails, origins


def _own_origin(request: web.Request) -> str:
    """The directory's origin as browsers see it: its iframe and no-JS pages ask from it."""
    return origin_of(request.app[SETTINGS].public_directory_base)


def _embedder(request: web.Request, origins: list[str]) -> dict[str, str]:
    """CORS headers for a reveal asked by a page that may ask; 403 for any other caller.

    Browsers send `Origin` with every POST (RFC 6454 section 7, Fetch): the directory's own
    iframe sends the directory's, an embedding page its own. A page on a site the network's
    owner did not list, and a request naming no origin at all, are refused, so no site can
    spend its visitors' reveal budgets on addresses.
    """
    origin = request.headers.get("Origin")
    cors = cors_headers(request, origins)
    if origin == _own_origin(request):
        return cors
    if origin is None or origin == "null" or "Access-Control-Allow-Origin" not in cors:
        raise Forbidden("Reveals are answered only to the pages that embed this network.")
    return cors


def _vcard_url(settings: Settings, contact_id: int, lang: str) -> str:
    query = urlencode({"reveal": reveal_token(settings, contact_id), "lang": lang})
    return f"{settings.public_vcard_base}/v1/contacts/{contact_id}.vcf?{query}"


@routes.options("/v1/reveal")
async def reveal_preflight(request: web.Request) -> web.Response:
    """CORS preflight for widget.js on another site: only sites some public network lists."""
    async with request.app[POOL].acquire() as conn:
        origins = list(await conn.fetchval(request.app[QUERIES]["embedding-origins"]))
    origins.append(origin_of(request.app[SETTINGS].public_console_base))
    headers = {"Vary": "Origin"}
    origin = request.headers.get("Origin")
    if origin and "Access-Control-Allow-Origin" in cors_headers(request, origins):
        # Reflected, never `*`: the POST itself is checked against the contact's networks.
        headers |= {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        }
    return web.Response(status=204, headers=headers)


@routes.post("/v1/reveal")
async def reveal(request: web.Request) -> web.Response:
    """A person pressed "show": the address, and a short-lived token for a full vCard.

    A refusal speaks the widget's language (`lang` in the body), which is the one its reader
    sees, rather than the browser's (Accept-Language): a Latvian widget on an English browser
    is told in Latvian that its token is malformed.
    """
    body = await read_object(request)
    asked = body.get("lang")
    widget_lang = asked if isinstance(asked, str) and asked in LANGUAGES else None
    speaking = problem_lang_var.set(widget_lang or problem_lang_var.get())
    try:
        return await _reveal(request, body, widget_lang or "en")
    except DomainError as exc:
        return domain_problem(exc)
    finally:
        problem_lang_var.reset(speaking)


async def _reveal(request: web.Request, body: dict[str, JSON], lang: str) -> web.Response:
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise ValidationFailed([FieldError("token", "is required")])
    settings = request.app[SETTINGS]
    contact_id = _rendered(settings, token)
    name, emails, origins = await _addresses(request, contact_id)
    cors = _embedder(request, origins)
    try:
        await spend(request)
    except RateLimited as exc:
        metrics.REVEALS.labels("rate_limited").inc()
        # The widget on another site must be able to read this answer to explain it.
        exc.extra["message"] = try_again(translator(str(lang)), exc.retry_after)
        limited = domain_problem(exc)
        limited.headers.update(cors)
        return limited
    metrics.REVEALS.labels("revealed").inc()
    answer = {
        "contact": contact_id,
        "name": name,
        "emails": emails,
        "vcard_url": _vcard_url(settings, contact_id, str(lang)),
    }
    return web.Response(
        body=dumps(answer),
        content_type="application/json",
        charset="utf-8",
        headers=cors | {"Cache-Control": "no-store"},
    )


@routes.post("/v1/reveal/redeem")
async def redeem(request: web.Request) -> web.Response:
    """For the vcard service: the addresses a reveal token opens; spends the shared budget."""
    body = await read_object(request)
    f = Fields(body)
    token = f.text("token", required=True, max_length=2048)
    client = f.text("client", required=True, max_length=64)
    f.done()
    settings = request.app[SETTINGS]
    assert token
    assert client
    try:
        claims = Keys.of(settings).verify("reveal", token)
    except BadToken as exc:
        raise Forbidden("The reveal token is %(exc)s.", values={"exc": exc.reason}) from exc
    contact = claims.get("c")
    if not isinstance(contact, int) or isinstance(contact, bool):
        raise Forbidden("The reveal token names no contact.")
    _, emails, _ = await _addresses(request, contact)
    try:
        await spend(request, client=client)
    except RateLimited:
        metrics.REVEALS.labels("rate_limited").inc()
        raise
    metrics.REVEALS.labels("revealed").inc()
    answer: Redemption = {"contact": contact, "emails": emails}
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


def _challenge(settings: Settings, contact_id: int) -> tuple[int, int, str]:
    a, b = secrets.randbelow(5) + 1, secrets.randbelow(4) + 1
    nonce = secrets.token_hex(8)
    keys = Keys.of(settings)
    # Only a keyed hash of the answer travels, so the page does not give it away.
    digest = keys.mac_hex("challenge-answer", f"{nonce}:{a + b}", 32)
    token = keys.sign("challenge", {"c": contact_id, "n": nonce, "h": digest}, CHALLENGE_TTL)
    return a, b, token


def _page_lang(raw: str | None) -> Lang:
    return raw if is_lang(raw) else "en"


def _question_page(
    request: web.Request,
    contact_id: int,
    token: str,
    lang: str,
    name: str,
    back: str | None,
    wrong: bool = False,
) -> web.Response:
    settings = request.app[SETTINGS]
    a, b, challenge = _challenge(settings, contact_id)
    tr = translator(lang)
    return html_page(
        "reveal.html",
        {
            "lang": lang,
            "name": name,
            "contact_id": contact_id,
            "token": token,
            "challenge": challenge,
            "wrong": wrong,
            "emails": None,
            "error": None,
            "question": tr.gettext(
                "To see the address, answer: how much is %(a)s plus %(b)s?",
                a=number_word(lang, a),
                b=number_word(lang, b),
            ),
        }
        | _way_back(tr, back),
        lang=lang,
        status=422 if wrong else 200,
    )


def _error_page(lang: str, message: str, status: int) -> web.Response:
    return html_page(
        "reveal.html",
        {"lang": lang, "error": message, "emails": None, "name": ""}
        | _way_back(translator(lang), None),
        lang=lang,
        status=status,
    )


def _way_back(tr: Translator, back: str | None) -> dict[str, str | None]:
    """The link to the embedding page the person came from (checked by `back_to`)."""
    site = urlsplit(back).netloc if back else ""
    return {"back": back, "back_text": tr.gettext("Back to %(site)s", site=site) if back else None}


def _contact_id(request: web.Request) -> int:
    found = parse_id(request.match_info["id"])
    if found is None:
        raise web.HTTPNotFound()
    return found


@routes.get("/reveal/{id}")
async def reveal_page(request: web.Request) -> web.Response:
    """Without JavaScript: a page with one simple question in the page's language."""
    # The widget's link names its language; a link without one speaks the browser's.
    asked = request.query.get("lang")
    lang = _page_lang(asked if asked else negotiate(request.headers.get("Accept-Language")))
    contact_id = _contact_id(request)
    token = request.query.get("t", "")
    try:
        _rendered(request.app[SETTINGS], token, contact_id)
        name, _, origins = await _addresses(request, contact_id)
    except Forbidden:
        return _error_page(
            lang,
            translator(lang).gettext("This link has expired. Please go back and reload the page."),
            403,
        )
    # The iframe names its host page; a fragment's link comes straight from it (Referer).
    back = back_to(request.query.get("back") or request.headers.get("Referer"), origins)
    return _question_page(request, contact_id, token, lang, name, back)


@routes.post("/reveal/{id}")
async def reveal_answer(request: web.Request) -> web.Response:
    """The answer to the question: right gives the address, under the same rate limit."""
    contact_id = _contact_id(request)
    form = await read_form(request)
    lang = _page_lang(form.get("lang"))
    token, challenge, answer = (str(form.get(k, "")) for k in ("t", "challenge", "answer"))
    settings = request.app[SETTINGS]
    keys = Keys.of(settings)
    try:
        _rendered(settings, token, contact_id)
        claims = keys.verify("challenge", challenge)
        name, emails, origins = await _addresses(request, contact_id)
    except (Forbidden, BadToken):
        return _error_page(
            lang,
            translator(lang).gettext("This link has expired. Please go back and reload the page."),
            403,
        )
    back = back_to(str(form.get("back", "")), origins)
    if not posted_from(request, {_own_origin(request)}):
        # The question is on the directory's own page; a form elsewhere posting to it is not.
        return _error_page(
            lang,
            translator(lang).gettext("This link has expired. Please go back and reload the page."),
            403,
        )
    try:
        await spend(request)
    except RateLimited as exc:
        metrics.REVEALS.labels("rate_limited").inc()
        page = _error_page(
            lang,
            try_again(translator(lang), exc.retry_after),
            429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    given = answer.strip()
    right = (
        claims.get("c") == contact_id
        # ASCII digits only: "²" passes `isdigit` and fails `int`.
        and given.isascii()
        and given.isdigit()
        and keys.check_hex(
            "challenge-answer", f"{claims.get('n')}:{int(given[:3])}", str(claims.get("h")), 32
        )
    )
    if not right:
        metrics.REVEALS.labels("wrong_answer").inc()
        return _question_page(request, contact_id, token, lang, name, back, wrong=True)
    metrics.REVEALS.labels("revealed").inc()
    return html_page(
        "reveal.html",
        {
            "lang": lang,
            "name": name,
            "emails": emails,
            "error": None,
            "vcard_url": _vcard_url(settings, contact_id, lang),
            **_way_back(translator(lang), back),
        },
        lang=lang,
    )
