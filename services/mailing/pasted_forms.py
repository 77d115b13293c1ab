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
from shared.settings import Settings
from shared.signing import Keys


def form_key(settings: Settings, list_id: int) -> str:
    """The key a list's pasted forms carry (24 hex digits); it changes only with the secret."""
    return Keys.of(settings).mac_hex("list-form", str(list_id), 24)


def pasted_form_accepted(
    request: web.Request, settings: Settings, lst: asyncpg.Record, key: str
) -> bool:
    """Whether a post carrying form key `key` may subscribe to `lst` from the page it came from.

    A pasted form works only on the site of the list's registered thank-you page (or our own
    hosted form), so another site's page cannot make its visitors subscribe anyone
    (`shared.http.posted_from` says which origins count).
    """
    if not lst["thank_you_url"] or not key:
        return False
    own = origin_of(settings.public_mailing_base)
    if not posted_from(request, {own, origin_of(lst["thank_you_url"])}):
        return False
    return Keys.of(settings).check_hex("list-form", str(lst["id"]), key, 24)
