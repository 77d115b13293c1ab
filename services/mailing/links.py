"""The two links to a subscriber's own page: the one in newsletters, and the one mailed on request.

A newsletter is forwarded, so its link (`/preferences/{token}`, signed, naming the person
and the list) can do no more than the List-Unsubscribe link: leave that list, or ask for
a fresh link to be mailed to the address itself. Only the mailed link (`/manage/{key}`:
random, kept as a SHA-256 hash, one hour) opens every list, the export and erasure. The
person can end both kinds at any time: ending sets `links_ended_at`, which every
newsletter link made before it and every mailed link obey.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.conn import Conn
from shared.i18n import translator
from shared.mail.message import Capabilities, Draft, Outgoing, build
from shared.queries import Queries
from shared.settings import Settings
from shared.signing import BadToken, Keys

# A newsletter link opens its page for a year (it can only leave the list or ask for a link).
ENTRY_TTL = 365 * 86_400
# Newsletters before these links carried a 10-year token naming only the person.
LEGACY_TTL = 10 * 365 * 86_400
# The mailed link that opens everything works for an hour.
LINK_TTL = 3600
# At most one link mail per person in this many seconds, however often it is asked for.
LINK_MAIL_EVERY = 300


@dataclass(frozen=True, slots=True)
class Entry:
    """What a newsletter's link names: the person, the list (None in older mail), when made."""

    subscriber: int
    list_id: int | None
    issued: int  # Unix time


def preferences_url(settings: Settings, list_id: int, subscriber_id: int) -> str:
    """The link a campaign message carries for `subscriber_id` on list `list_id`."""
    claims = {"s": subscriber_id, "l": list_id, "t": int(time.time())}
    token = Keys.of(settings).sign("preferences", claims, ENTRY_TTL)
    return f"{settings.public_mailing_base}/preferences/{token}"


def read_entry(settings: Settings, token: str) -> Entry | None:
    """The newsletter link's claims, or None when forged, malformed or expired.

    Whether the person ended their links since is for the database to say (`entry-link`).
    """
    try:
        claims = Keys.of(settings).verify("preferences", token)
    except BadToken:
        return None
    subscriber, list_id, issued = claims.get("s"), claims.get("l"), claims.get("t")
    if not isinstance(subscriber, int) or not isinstance(list_id, int | None):
        return None
    if not isinstance(issued, int):
        expires = claims["exp"]
        assert isinstance(expires, int)  # verify() checked it
        issued = expires - LEGACY_TTL
    return Entry(subscriber, list_id, issued)


def key_digest(key: str) -> bytes:
    """What is kept of a mailed link's key: its SHA-256."""
    return hashlib.sha256(key.encode()).digest()


async def open_link(conn: Conn, q: Queries, settings: Settings, subscriber: int) -> str:
    """A new mailed link to the whole page of `subscriber` (the URL; only its hash is kept)."""
    key = secrets.token_urlsafe(32)
    await conn.execute(q["insert-preference-link"], key_digest(key), subscriber, LINK_TTL)
    return f"{settings.public_mailing_base}/manage/{key}"


async def link_mail(
    conn: Conn, q: Queries, settings: Settings, subscriber: int, list_id: int | None, lang: str
) -> Callable[[Capabilities], Outgoing] | None:
    """The message carrying a new mailed link, from the list's sender; None if none is owed.

    The link is made here, only once the mail is about to go (it expires unused if not).
    """
    found = await conn.fetchrow(q["preference-link-mail"], subscriber, list_id)
    if found is None:
        return None  # erased meanwhile, or on no list any more
    tr = translator(lang)
    link = await open_link(conn, q, settings, subscriber) + f"?lang={lang}"
    draft = Draft(
        from_name=found["from_name"],
        from_address=found["from_address"],
        subject=tr.gettext("Your link to manage your subscriptions"),
        text=tr.gettext(
            "Hello,\n\nsomeone (we hope you) asked for a link to manage the subscriptions of "
            "this address:\n\n%(link)s\n\nIt works for one hour. If it was not you, ignore this "
            "message.\n",
            link=link,
        ),
        reply_to=found["reply_to"],
        headers=(("Auto-Submitted", "auto-generated"),),
    )
    return lambda caps: build(draft, found["email"], caps)
