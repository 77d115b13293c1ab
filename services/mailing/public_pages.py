"""A person's pages (subscribe, confirm, unsubscribe, preferences): one renderer, a strict CSP."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from services.mailing.keys import SETTINGS
from services.mailing.paths import TEMPLATES
from services.mailing.terms import TERMS
from shared.http import origin_of, posted_from
from shared.i18n import LANGUAGES, negotiate, translator
from shared.templates import page_templates, render
from shared.web import html_page

PAGES = page_templates(TEMPLATES, TERMS)
# A person's pages need only their stylesheet: no script at all.
SOURCES = {"style-src": "'self'"}


def page(
    lang: str,
    title: str,
    *,
    status: int = 200,
    frameable: bool = False,
    form_goes_on_to: str | None = None,
    **context: object,
) -> web.Response:
    """A person's page (page.html) in their language: the words and form that `context` says."""
    return template_page(
        "page.html",
        lang,
        title,
        context,
        status=status,
        frameable=frameable,
        form_goes_on_to=form_goes_on_to,
    )


def template_page(
    template: str,
    lang: str,
    title: str,
    context: Mapping[str, object],
    *,
    status: int = 200,
    frameable: bool = False,
    form_goes_on_to: str | None = None,
) -> web.Response:
    """A page for a person (`template`), in their language, under a strict CSP (its form may
    be redirected on to the origin `form_goes_on_to`, a list's thank-you site).

    No framing but for the embeddable form: a page that acts on a person's link (confirm,
    unsubscribe, preferences) in a frame could be clickjacked.
    """
    values = {
        "lang": lang,
        "title": title,
        "error": None,
        "message": None,
        "form": None,
        "button": "",
        "slug": "",
        "form_token": "",
        "email": "",
        "name": "",
        "name_error": None,
        "view": None,
        "back": None,
        **context,
    }
    return html_page(
        render(PAGES, template, lang, **values),
        lang=lang,
        sources=SOURCES,
        frame_ancestors="*" if frameable else "'none'",
        status=status,
        form_goes_on_to=form_goes_on_to,
    )


def page_lang(raw: str | None, default: str) -> str:
    """The page language from a form or query value, else `default`."""
    return raw if raw in LANGUAGES else default


def person_lang(request: web.Request, asked: str | None = None, known: str | None = None) -> str:
    """The language of a person's page: what the page asks for (a form's `lang`, else the
    link's `?lang=`), else what is known of them (`known`: their subscription's), else their
    browser's Accept-Language. Every public page of a link negotiates through this."""
    for lang in (asked, request.query.get("lang"), known):
        if lang in LANGUAGES:
            assert lang is not None
            return lang
    return negotiate(request.headers.get("Accept-Language"))


def link_expired(lang: str, title: str, *, status: int = 404) -> web.Response:
    """The page a forged, expired (404) or used (410) confirm or unsubscribe link answers."""
    return page(
        lang,
        title,
        status=status,
        error=translator(lang).gettext(
            "This link has expired or was already used. Subscribe again to get a new one."
        ),
    )


Handler = Callable[[web.Request], Awaitable[web.Response]]


def own_page_form(handler: Handler) -> Handler:
    """A person's form (confirm, preferences, manage, erase) is taken only from our own pages.

    Its link's token already stands for the person; the origin check is defence in depth
    against another page posting a leaked link's form (`shared.http.posted_from`'s rule).
    """

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.Response:
        if posted_from(request, {origin_of(request.app[SETTINGS].public_mailing_base)}):
            return await handler(request)
        lang = person_lang(request)
        tr = translator(lang)
        return page(
            lang,
            tr.gettext("Your subscriptions"),
            status=403,
            # Another page sent it: reloading would not help, the link's own page would.
            error=tr.gettext(
                "This form can only be sent from its own page on %(site)s. Open the link "
                "from your e-mail and use the form there.",
                site=origin_of(request.app[SETTINGS].public_mailing_base),
            ),
        )

    return guarded
