"""A subscriber's own pages, safe to reach from any newsletter, even a forwarded one.

`/preferences/{token}` (the newsletter's link) shows that one list: leave it, or have a
link mailed to the address itself. `/manage/{key}` (that mailed link) shows every list,
the export, erasure (which asks once more) and ending the links. `links.py` says why.
No page may be framed.
"""

from __future__ import annotations

import json

import asyncpg
from aiohttp import web

from services.mailing.keys import POOL, QUERIES, SETTINGS
from services.mailing.links import LINK_MAIL_EVERY, LINK_TTL, Entry, key_digest, read_entry
from services.mailing.membership import return_json
from services.mailing.optin import ask_to_confirm, client_over_limit
from services.mailing.public_pages import own_page_form, page_lang, person_lang, template_page
from services.mailing.terms import LEFT, STATE_SENTENCES
from shared.errors import read_form
from shared.i18n import N_, pick, translator
from shared.ratelimit import try_again
from shared.web import disposition

routes = web.RouteTableDef()


def _page(lang: str, title: str, *, status: int = 200, **context: object) -> web.Response:
    return template_page("preferences.html", lang, title, context, status=status)


def _expired(lang: str) -> web.Response:
    tr = translator(lang)
    return _page(
        lang,
        tr.gettext("Your subscriptions"),
        status=404,
        error=tr.gettext(
            "This link has expired or was ended. Ask for a new one from any newsletter you receive."
        ),
    )


async def _entry(request: web.Request) -> tuple[Entry, asyncpg.Record] | None:
    """The newsletter link's person and list, unless forged, expired, ended or erased."""
    entry = read_entry(request.app[SETTINGS], request.match_info["token"])
    if entry is None:
        return None
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(
            request.app[QUERIES]["entry-link"], entry.subscriber, entry.list_id, entry.issued
        )
    return None if row is None else (entry, row)


async def _entry_form(
    request: web.Request,
) -> tuple[str | None, tuple[Entry, asyncpg.Record] | None]:
    """A form posted on a newsletter link's page: the language it asks for, and the link's."""
    form = await read_form(request)
    return page_lang(form.get("lang"), "") or None, await _entry(request)


def _state(lang: str, status: str, name: str | None) -> str:
    """The whole sentence saying where this person stands with list `name`."""
    return translator(lang).gettext(STATE_SENTENCES[status], list=name or "")


def _entry_page(
    request: web.Request, row: asyncpg.Record, lang: str | None, message: str | None = None
) -> web.Response:
    lang = person_lang(request, lang, row["lang"])
    shown = None
    if row["slug"] is not None:
        name = pick(row["names"], lang, row["list_lang"])
        shown = {"status": row["status"], "sentence": _state(lang, row["status"], name)}
    return _page(
        lang,
        translator(lang).gettext("Your subscription"),
        view="entry",
        entry=shown,
        token=request.match_info["token"],
        message=message,
    )


@routes.get("/preferences/{token}")
async def entry_page(request: web.Request) -> web.Response:
    """The page a newsletter links to: that list, and a fresh link by mail for the rest."""
    found = await _entry(request)
    asked = request.query.get("lang")
    if found is None:
        return _expired(person_lang(request, asked))
    return _entry_page(request, found[1], page_lang(asked, "") or None)


@routes.post("/preferences/{token}/unsubscribe")
@own_page_form
async def entry_leave(request: web.Request) -> web.Response:
    """Leave the list the newsletter came from (and only that one)."""
    lang, found = await _entry_form(request)
    if found is None:
        return _expired(person_lang(request, lang))
    entry = found[0]
    if entry.list_id is not None:
        async with request.app[POOL].acquire() as conn:
            await conn.execute(request.app[QUERIES]["unsubscribe"], entry.list_id, entry.subscriber)
    left = await _entry(request)
    if left is None:
        return _expired(person_lang(request, lang))
    row = left[1]
    said = None
    if row["slug"] is not None and row["status"] == "unsubscribed":
        shown_in = person_lang(request, lang, row["lang"])
        name = pick(row["names"], shown_in, row["list_lang"])
        said = translator(shown_in).gettext(LEFT, list=name)
    return _entry_page(request, row, lang, said)


@routes.post("/preferences/{token}/subscribe")
@own_page_form
async def entry_subscribe_again(request: web.Request) -> web.Response:
    """Ask for the newsletter's list again: a confirmation goes to the address, as for the form."""
    acting = await _entry_action(request, "subscribe", N_("Your subscriptions"))
    if isinstance(acting, web.Response):
        return acting
    entry, _, lang = acting
    if entry.list_id is not None:
        await _ask_again(request, entry.list_id, entry.subscriber, lang)
    again = await _entry(request)
    if again is None:
        return _expired(lang)
    return _entry_page(
        request,
        again[1],
        lang,
        translator(lang).gettext(
            "Thank you. If the address can receive mail, a message with a confirmation link is "
            "on its way. The subscription starts when you confirm it."
        ),
    )


async def _entry_action(
    request: web.Request, action: str, title: str
) -> tuple[Entry, asyncpg.Record, str] | web.Response:
    """A mail-sending form on a newsletter link's page: the link, its row and the language.

    Else the page that refuses it: the link expired, or `action` asked too often (429).
    """
    asked, found = await _entry_form(request)
    if found is None:
        return _expired(person_lang(request, asked))
    entry, row = found
    lang = person_lang(request, asked, row["lang"])
    refused = await _limited(request, lang, action, title)
    return (entry, row, lang) if refused is None else refused


async def _limited(
    request: web.Request,
    lang: str,
    action: str = "subscribe",
    title: str = N_("Your subscriptions"),
) -> web.Response | None:
    """The 429 page when this client asked for `action` too often (the subscribe form's limit)."""
    wait = await client_over_limit(request, action)
    if wait is None:
        return None
    tr = translator(lang)
    refused = _page(
        lang,
        tr.gettext(title),
        status=429,
        error=try_again(tr, wait),
    )
    refused.headers["Retry-After"] = str(wait)
    return refused


async def _ask_again(request: web.Request, list_id: int, subscriber: int, lang: str) -> None:
    """Double opt-in again, keeping the name the list knows: the link may have been forwarded."""
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        view = await conn.fetchrow(q["subscription-view"], list_id, subscriber)
        if view is not None:
            name = view["name"] or ""
            await ask_to_confirm(request, conn, list_id, subscriber, name, lang, "preferences")


@routes.post("/preferences/{token}/link")
@own_page_form
async def entry_send_link(request: web.Request) -> web.Response:
    """Mail a fresh link to the address itself; the same answer whether it went or not."""
    acting = await _entry_action(request, "preferences-link", N_("Your subscription"))
    if isinstance(acting, web.Response):
        return acting
    entry, row, lang = acting
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        # At most one such mail per person in a few minutes, however often this is pressed;
        # the outbox sends it (and makes the link as it goes), never this request.
        if await conn.fetchval(q["claim-preference-link"], entry.subscriber, LINK_MAIL_EVERY):
            await conn.execute(
                q["queue-preference-link"], entry.subscriber, entry.list_id, lang, LINK_TTL
            )
    return _entry_page(
        request,
        row,
        lang,
        translator(lang).gettext(
            "If this address can receive mail, a link is on its way. It works for one hour."
        ),
    )


async def _linked(request: web.Request) -> int | None:
    """The subscriber the mailed link opens, while it works."""
    async with request.app[POOL].acquire() as conn:
        found: int | None = await conn.fetchval(
            request.app[QUERIES]["preference-link"], key_digest(request.match_info["key"])
        )
    return found


async def _linked_form(request: web.Request) -> tuple[int, dict[str, str], str] | web.Response:
    """A form on the mailed link's page: subscriber, fields and language, else the expired page."""
    subscriber = await _linked(request)
    form = await read_form(request)
    lang = person_lang(request, form.get("lang"))
    if subscriber is None:
        return _expired(lang)
    return subscriber, form, lang


async def _rows(request: web.Request, subscriber: int) -> list[asyncpg.Record]:
    async with request.app[POOL].acquire() as conn:
        return list(await conn.fetch(request.app[QUERIES]["subscriber-lists"], subscriber))


def _manage_page(
    request: web.Request, lang: str, rows: list[asyncpg.Record], message: str | None = None
) -> web.Response:
    subscriptions = [
        {
            "slug": r["slug"],
            "status": r["status"],
            "sentence": _state(lang, r["status"], pick(r["names"], lang, r["list_lang"])),
        }
        for r in rows
        if r["slug"]
    ]
    return _page(
        lang,
        translator(lang).gettext("Your subscriptions"),
        view="manage",
        key=request.match_info["key"],
        email=rows[0]["email"],
        subscriptions=subscriptions,
        message=message,
    )


@routes.get("/manage/{key}")
async def manage(request: web.Request) -> web.Response:
    """Every list of this address, with its state, export, erasure, and ending the link."""
    subscriber = await _linked(request)
    rows = await _rows(request, subscriber) if subscriber is not None else []
    asked = request.query.get("lang")
    if not rows:
        return _expired(person_lang(request, asked))
    return _manage_page(request, person_lang(request, asked, rows[0]["lang"]), rows)


@routes.post("/manage/{key}/unsubscribe")
@own_page_form
async def leave(request: web.Request) -> web.Response:
    """Leave one list."""
    linked = await _linked_form(request)
    if isinstance(linked, web.Response):
        return linked
    subscriber, form, lang = linked
    slug = form.get("list", "")
    async with request.app[POOL].acquire() as conn:
        await conn.execute(request.app[QUERIES]["unsubscribe-by-slug"], subscriber, slug)
    rows = await _rows(request, subscriber)
    said = None
    for r in rows:
        if r["slug"] == slug and r["status"] == "unsubscribed":
            said = translator(lang).gettext(LEFT, list=pick(r["names"], lang, r["list_lang"]))
    return _manage_page(request, lang, rows, said)


@routes.post("/manage/{key}/subscribe")
@own_page_form
async def subscribe_again(request: web.Request) -> web.Response:
    """Ask for one of this address's lists again (with a confirmation mail, as the form does)."""
    linked = await _linked_form(request)
    if isinstance(linked, web.Response):
        return linked
    subscriber, form, lang = linked
    limited = await _limited(request, lang)
    if limited is not None:
        return limited
    async with request.app[POOL].acquire() as conn:
        lst = await conn.fetchrow(request.app[QUERIES]["get-list"], str(form.get("list", "")))
    if lst is not None:
        await _ask_again(request, lst["id"], subscriber, lang)
    message = translator(lang).gettext(
        "Thank you. If the address can receive mail, a message with a confirmation link is on "
        "its way. The subscription starts when you confirm it."
    )
    return _manage_page(request, lang, await _rows(request, subscriber), message)


@routes.get("/manage/{key}/export.json")
async def export(request: web.Request) -> web.Response:
    """Everything Kontakt's mailing service keeps about this address."""
    subscriber = await _linked(request)
    rows = await _rows(request, subscriber) if subscriber is not None else []
    if subscriber is None or not rows:
        return _expired(person_lang(request))
    async with request.app[POOL].acquire() as conn:
        deliveries = await conn.fetch(request.app[QUERIES]["subscriber-deliveries"], subscriber)
        returns = await conn.fetch(request.app[QUERIES]["subscriber-returns"], subscriber, None)
        changes = await conn.fetch(request.app[QUERIES]["member-history"], subscriber, None)
    data = {
        "email": rows[0]["email"],
        "since": rows[0]["since"].isoformat(),
        "subscriptions": [
            {
                "list": r["slug"],
                "name": r["name"],  # each list's own view of you
                "status": r["status"],
                "lang": r["lang"],
                "subscribed_at": r["created_at"].isoformat(),
                "confirmed_at": r["confirmed_at"].isoformat() if r["confirmed_at"] else None,
                "unsubscribed_at": r["unsubscribed_at"].isoformat()
                if r["unsubscribed_at"]
                else None,
                "consent": r["consent"],
            }
            for r in rows
            if r["slug"]
        ],
        "deliveries": [
            {
                "subject": d["subject"],
                "status": d["status"],
                "sent_at": d["sent_at"].isoformat() if d["sent_at"] else None,
            }
            for d in deliveries
        ],
        # What came back about the address, and what the lists' editors did, and why.
        "returns": [{"list": r["list"]} | return_json(r) for r in returns],
        "changes": [
            {
                "list": c["list"],
                "action": c["action"],
                "from_status": c["from_status"],
                "to_status": c["to_status"],
                "reason": c["reason"],
                "at": c["created_at"].isoformat(),
            }
            for c in changes
        ],
    }
    return web.Response(
        text=json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={
            "Content-Disposition": disposition("my-kontakt-data.json"),
            "Cache-Control": "no-store",
        },
    )


@routes.post("/manage/{key}/erase")
@own_page_form
async def erase(request: web.Request) -> web.Response:
    """Ask once more; then delete the address with every subscription and delivery record."""
    subscriber = await _linked(request)
    form = await read_form(request)
    rows = await _rows(request, subscriber) if subscriber is not None else []
    lang = person_lang(request, form.get("lang"), rows[0]["lang"] if rows else None)
    if subscriber is None or not rows:
        return _expired(lang)
    tr = translator(lang)
    if form.get("confirm") != "yes":
        return _page(
            lang,
            tr.gettext("Erase my data"),
            view="erase",
            key=request.match_info["key"],
            email=rows[0]["email"],
        )
    async with request.app[POOL].acquire() as conn:
        await conn.execute(request.app[QUERIES]["erase-subscriber"], subscriber)
    return _page(lang, tr.gettext("Your subscriptions"), message=tr.gettext("Your data is erased."))


@routes.post("/manage/{key}/end")
@own_page_form
async def end(request: web.Request) -> web.Response:
    """End this link, every other mailed link, and the links in newsletters sent so far."""
    linked = await _linked_form(request)
    if isinstance(linked, web.Response):
        return linked
    subscriber, _, lang = linked
    async with request.app[POOL].acquire() as conn:
        await conn.execute(request.app[QUERIES]["end-preference-links"], subscriber)
    tr = translator(lang)
    return _page(
        lang,
        tr.gettext("Your subscriptions"),
        message=tr.gettext("These links no longer work. The next newsletter brings a new one."),
    )
