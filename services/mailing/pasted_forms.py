"""Pasted subscribe forms: the per-list key, and from which site a post is accepted.

The hosted form (`/subscribe/{slug}`, also in an iframe) carries a signed token valid a day.
A form pasted into another site cannot (it is copied once and lives for years), so it
carries the list's form key instead, and a post with it is accepted only from the site of
the thank-you page registered for the list, which is where the person is sent after.
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from shared.http import origin_of, posted_from
from shared.i18n import N_
from shared.settings import Settings
from shared.signing import Keys


def form_key(settings: Settings, list_id: int) -> str:
    """The key a list's pasted forms carry (24 hex digits); it changes only with the secret."""
    return Keys.of(settings).mac_hex("list-form", str(list_id), 24)


def pasted_form_refusal(
    request: web.Request, settings: Settings, lst: asyncpg.Record, key: str
) -> str | None:
    """Why a post carrying form key `key` may not subscribe to `lst` from the page it came
    from (a msgid naming what is wrong and what the site's owner can do), else None.

    A pasted form works only on the site of the list's registered thank-you page (or our own
    hosted form), so another site's page cannot make its visitors subscribe anyone
    (`shared.http.posted_from` says which origins count).
    """
    if not key:
        return NO_KEY
    if not lst["thank_you_url"]:
        return N_(
            "This form cannot subscribe anyone yet: %(list)s has no thank-you page. The "
            "website's owner can register one in the Kontakt console (Embed on a website, "
            "Subscribe form for a newsletter)."
        )
    own = origin_of(settings.public_mailing_base)
    if not posted_from(request, {own, origin_of(lst["thank_you_url"])}):
        return N_(
            "This form works only on the pages of %(site)s, where the thank-you page of "
            "%(list)s is. The website's owner can register this site's thank-you page in the "
            "Kontakt console (Embed on a website, Subscribe form for a newsletter)."
        )
    if not Keys.of(settings).check_hex("list-form", str(lst["id"]), key, 24):
        return N_(
            "This form's key is not the key of %(list)s. The website's owner can copy the "
            "form again from the Kontakt console (Embed on a website, Subscribe form for a "
            "newsletter)."
        )
    return None


# A form pasted without its list's key (and with no hosted form's token either).
NO_KEY = N_(
    "This form has no key for %(list)s (the hidden form_key field), so it cannot subscribe "
    "anyone. The website's owner can copy the whole form from the Kontakt console (Embed on a "
    "website, Subscribe form for a newsletter)."
)
