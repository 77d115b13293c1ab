"""The suppression list over HTTP, for admins: view, search, add, import a CSV, reinstate.

The list is installation-wide (an address on it gets no mail from any list of any network),
so only admins change or read it: every route declares `x-permission: admin`, which the
identity middleware checks before the handler runs. A coordinator sees on a member's page
whether, and why, the address is suppressed. Every change is kept in the list's history with
who made it and why.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

import asyncpg
from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing import subscriber_csv
from services.mailing.access import actor
from services.mailing.keys import POOL, QUERIES
from services.mailing.returns.suppression import REASONS, reinstate, suppress, suppress_many
from shared.addresses import normalize_address
from shared.bodies import large_body
from shared.errors import FieldError, NotFound, ValidationFailed, read_object
from shared.identity import identify
from shared.progress import NdjsonProgress, wants_progress
from shared.validate import Fields
from shared.web import utf8_json

routes = web.RouteTableDef()
PAGE = 100
MAX_PAGE = 500
CHUNK = 1000
NOTE_MAX = 1000


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _entry_json(row: asyncpg.Record) -> dict[str, object]:
    """One suppressed address as the API shows it."""
    return {
        "address": row["address"],
        "reason": row["reason"],
        "evidence": row["evidence"],
        "by": row["created_by"],
        "created_at": _iso(row["created_at"]),
    }


def _cursor(row: asyncpg.Record) -> str:
    raw = json.dumps([row["created_at"].isoformat(), row["address"]], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(raw: str) -> tuple[datetime, str] | tuple[None, None]:
    """The previous page's last row from `?after=`; 422 naming `after` when it is not ours."""
    if not raw:
        return None, None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        when, address = json.loads(text)
        return datetime.fromisoformat(when), str(address)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise ValidationFailed(
            [FieldError("after", "is not a link this list gave (use the `next` value)")]
        ) from None


def _note(f: Fields, name: str, *, required: bool) -> str:
    return f.text(name, required=required, max_length=NOTE_MAX) or ""


def _address(f: Fields, name: str) -> str:
    raw = f.text(name, required=True, max_length=254)
    if raw is None:
        return ""
    try:
        return normalize_address(raw)
    except EmailNotValidError as exc:
        f.refused_address(name, exc)
        return ""


@routes.get("/v1/suppressions")
async def search(request: web.Request) -> web.Response:
    """Suppressed addresses, newest first: `?q=` part of an address, `?reason=`, `?after=`."""
    f = Fields(dict(request.query))
    part = f.text("q", max_length=254)
    reason = f.choice("reason", REASONS)
    size = f.whole("limit", low=1, high=MAX_PAGE, default=PAGE)
    f.done()
    assert size is not None
    when, last = _after(request.query.get("after", ""))
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(
            request.app[QUERIES]["search-suppressions"], part, reason, size + 1, when, last
        )
    more = len(rows) > size
    rows = rows[:size]
    body = {
        "items": [_entry_json(r) for r in rows],
        "next": _cursor(rows[-1]) if more else None,
    }
    return web.json_response(body, dumps=utf8_json)


@routes.post("/v1/suppressions")
async def add(request: web.Request) -> web.Response:
    """Suppress one address by hand (`manual`): 201 when added, 200 when it was already there."""
    caller = await identify(request)
    f = Fields(await read_object(request))
    f.unknown({"address", "note"})
    address = _address(f, "address")
    note = _note(f, "note", required=False)
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        added = await suppress(conn, q, address, "manual", {"note": note}, by=actor(caller))
        row = await conn.fetchrow(q["suppression"], address)
    assert row is not None
    return web.json_response(_entry_json(row), status=201 if added else 200, dumps=utf8_json)


@routes.post("/v1/suppressions/import")
@large_body
async def import_csv(request: web.Request) -> web.StreamResponse:
    """Suppress every address of a CSV file (`imported`), read as subscriber files are.

    `?note=` says where the file came from (kept as each entry's evidence). The answer counts
    the rows, the addresses added and those already there, and names each rejected row.
    """
    caller = await identify(request)
    f = Fields(dict(request.query))
    note = f.text("note", max_length=subscriber_csv.QUERY_TEXT_MAX) or ""
    f.done()
    good: list[str] = []
    bad: list[subscriber_csv.Rejection] = []
    seen: set[str] = set()
    for number, row in subscriber_csv.read(await subscriber_csv.upload(request)):
        found = subscriber_csv.address(number, row, seen)
        if isinstance(found, str):
            good.append(found)
        else:
            bad.append(found)
    progress = NdjsonProgress(request, every=CHUNK) if wants_progress(request) else None
    evidence = {"note": note, "source": "import"}
    added = 0
    async with request.app[POOL].acquire() as conn:
        for start in range(0, len(good), CHUNK):
            chunk = good[start : start + CHUNK]
            async with conn.transaction():
                fresh = await suppress_many(
                    conn, request.app[QUERIES], chunk, "imported", evidence, by=actor(caller)
                )
            added += len(fresh)
            if progress is not None:
                await progress(min(start + CHUNK, len(good)), len(good))
    report = {
        "rows": len(good) + len(bad),
        "added": added,
        "already": len(good) - added,
        "rejected": bad,
    }
    if progress is not None:
        return await progress.finish(report)
    return web.json_response(report, dumps=utf8_json)


@routes.get("/v1/suppressions/{address}")
async def entry(request: web.Request) -> web.Response:
    """One address: whether it is suppressed, with its evidence, and its whole history."""
    address = request.match_info["address"]
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(q["suppression"], address)
        history = await conn.fetch(q["suppression-history"], address)
    if row is None and not history:
        raise NotFound("This address has never been on the suppression list.")
    body = {
        "address": row["address"] if row else address,
        "suppressed": row is not None,
        "entry": _entry_json(row) if row else None,
        "history": [
            {
                "action": h["action"],
                "reason": h["reason"],
                "note": h["note"],
                "evidence": h["evidence"],
                "by": h["created_by"],
                "at": _iso(h["created_at"]),
            }
            for h in history
        ],
    }
    return web.json_response(body, dumps=utf8_json)


@routes.post("/v1/suppressions/{address}/reinstate")
async def take_off(request: web.Request) -> web.Response:
    """Take an address off the list, with the reason why (`note`, required)."""
    caller = await identify(request)
    f = Fields(await read_object(request))
    f.unknown({"note"})
    note = _note(f, "note", required=True)
    f.done()
    address = request.match_info["address"]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        resumed = await reinstate(
            conn,
            request.app[QUERIES],
            address,
            note,
            by=actor(caller),
            account_id=caller.account_id,
        )
    if resumed is None:
        raise NotFound("This address is not on the suppression list.")
    return web.json_response({"address": address, "reinstated": True, "resumed": resumed})
