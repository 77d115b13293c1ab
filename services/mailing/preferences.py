"""A subscriber's own page: every list, one-click unsubscribe from each, export, erasure."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from services.mailing.keys import POOL, QUERIES, SETTINGS
from services.mailing.labels import labels
from services.mailing.members import return_json
from services.mailing.subscriptions import CSP, PAGES, page_lang
from shared.errors import NotFound, read_form
from shared.i18n import pick
from shared.signing import BadToken, verify

routes = web.RouteTableDef()


def _subscriber(request: web.Request) -> int:
    settings = request.app[SETTINGS]
    assert settings.secret_key
    try:
        claims = verify(settings.secret_key, "preferences", request.match_info["token"])
    except BadToken as exc:
        raise NotFound("This link is not valid.") from exc
    return int(claims["s"])


async def _rows(request: web.Request, subscriber: int) -> list[Any]:
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(request.app[QUERIES]["subscriber-lists"], subscriber)
    if not rows:
        raise NotFound("This link is not valid.")
    return list(rows)


def _page(
    lang: str, token: str, rows: list[Any] | None, message: str | None = None
) -> web.Response:
    subscriptions = None
    email = ""
    if rows is not None:
        email = rows[0]["email"]
        subscriptions = [
            {
                "slug": r["slug"],
                "status": r["status"],
                "name": pick(r["names"], lang, r["list_lang"]),
            }
            for r in rows
            if r["slug"]
        ]
    text = PAGES.get_template("preferences.html").render(
        lang=lang,
        labels=labels(lang),
        token=token,
        subscriptions=subscriptions,
        email=email,
        message=message,
    )
    return web.Response(
        text=text,
        content_type="text/html",
        charset="utf-8",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
    )


@routes.get("/preferences/{token}")
async def show(request: web.Request) -> web.Response:
    """Every list of this address, with its state."""
    rows = await _rows(request, _subscriber(request))
    lang = page_lang(request.query.get("lang"), rows[0]["lang"] or "en")
    return _page(lang, request.match_info["token"], rows)


@routes.post("/preferences/{token}/unsubscribe")
async def leave(request: web.Request) -> web.Response:
    """Leave one list."""
    subscriber = _subscriber(request)
    form = await read_form(request)
    async with request.app[POOL].acquire() as conn:
        await conn.execute(
            request.app[QUERIES]["unsubscribe-by-slug"], subscriber, form.get("list", "")
        )
    rows = await _rows(request, subscriber)
    return _page(page_lang(form.get("lang"), "en"), request.match_info["token"], rows)


@routes.get("/preferences/{token}/export.json")
async def export(request: web.Request) -> web.Response:
    """Everything Kontakt's mailing service keeps about this address."""
    subscriber = _subscriber(request)
    rows = await _rows(request, subscriber)
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
            "Content-Disposition": 'attachment; filename="my-kontakt-data.json"',
            "Cache-Control": "no-store",
        },
    )


@routes.post("/preferences/{token}/erase")
async def erase(request: web.Request) -> web.Response:
    """Delete the address with every subscription and delivery record."""
    subscriber = _subscriber(request)
    form = await read_form(request)
    async with request.app[POOL].acquire() as conn:
        await conn.execute(request.app[QUERIES]["erase-subscriber"], subscriber)
    lang = page_lang(form.get("lang"), "en")
    return _page(lang, request.match_info["token"], None, message=labels(lang)["erased"])
