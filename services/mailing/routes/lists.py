"""Lists: one per directory network and language, managed by that network's coordinators."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.mailing.access import require
from services.mailing.keys import DIRECTORY, POOL, QUERIES, SETTINGS
from services.mailing.mailinglist import (
    EDITABLE,
    list_fields,
    list_json,
    list_row,
    managed_list,
)
from services.mailing.pasted_forms import form_key
from shared.errors import Conflict, FieldError, ValidationFailed, read_object
from shared.identity import credential, identify
from shared.payloads import SUBSCRIPTION_STATUSES, MailingList
from shared.validate import Fields, whole_number
from shared.web import utf8_json

routes = web.RouteTableDef()

# Members a page holds unless `?limit=` asks for fewer or more (at most MEMBER_PAGE_MAX).
MEMBER_PAGE = 100
MEMBER_PAGE_MAX = 500
# Edits merged on a row another edit just changed are redone this often before a 409.
_PATCH_TRIES = 5


@routes.get("/v1/lists")
async def all_lists(request: web.Request) -> web.Response:
    """The lists of the caller's networks (all of them for admins)."""
    caller = await identify(request)
    mine = sorted(caller.networks_with("manage_lists"))
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(request.app[QUERIES]["list-lists"], caller.is_admin, mine)
    return web.json_response(
        {"items": [list_json(r, r["confirmed"]) for r in rows]}, dumps=utf8_json
    )


@routes.post("/v1/lists")
async def create_list(request: web.Request) -> web.Response:
    """Create a list for a network the caller manages lists of; the directory must know it."""
    caller = await identify(request)
    fields = list_fields(await read_object(request))
    require(caller, "manage_lists", fields["network"])
    # Asked as the coordinator: a network they do not see is one the directory does not have.
    networks = await request.app[DIRECTORY].network_info(credential(request))
    if fields["network"] not in networks:
        raise ValidationFailed([FieldError("network", "the directory has no such network")])
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(q["get-list"], fields["slug"]):
            raise Conflict("A list %(slug)r already exists.", values={"slug": fields["slug"]})
        await conn.execute(
            q["insert-list"],
            fields["slug"],
            fields["network"],
            fields["lang"],
            fields["names"],
            fields["descriptions"],
            fields["from_name"],
            fields["from_address"],
            fields["reply_to"],
            fields["thank_you_url"],
            fields["colour"],
            fields["logo_url"],
        )
    return web.json_response(
        _counted_json(await list_row(request, fields["slug"], counted=True)),
        status=201,
        dumps=utf8_json,
    )


def _counted_json(row: asyncpg.Record) -> MailingList:
    """A `get-list-counted` row as the API shows it."""
    return list_json(row, row["confirmed"])


@routes.get("/v1/lists/{slug}")
async def get_list(request: web.Request) -> web.Response:
    """One list (its network's list managers)."""
    _, row = await managed_list(request)
    async with request.app[POOL].acquire() as conn:
        counts = await conn.fetch(request.app[QUERIES]["status-counts"], row["id"])
    by_status = {s: 0 for s in SUBSCRIPTION_STATUSES} | {r["status"]: r["n"] for r in counts}
    body = list_json(row, by_status["confirmed"])
    body["counts"] = by_status
    # For the subscribe form a list's managers paste into its website.
    body["form_key"] = form_key(request.app[SETTINGS], row["id"])
    return web.json_response(body, dumps=utf8_json)


@routes.patch("/v1/lists/{slug}")
async def patch_list(request: web.Request) -> web.Response:
    """Change a list's names, language or sender; its network and slug stay.

    With `revision`, a list changed since that revision is a 409. Without, fields left out keep
    the value stored when the change is written (never one read before another edit).
    """
    _, row = await managed_list(request)
    body = await read_object(request)
    given = {k: v for k, v in body.items() if k not in {"slug", "network"}}
    expected = whole_number(body.get("revision"))
    for _ in range(_PATCH_TRIES):
        current = list_json(row, 0)
        fields = list_fields(given, {k: v for k, v in current.items() if k in EDITABLE})
        async with request.app[POOL].acquire() as conn:
            # The revision is checked by the writing statement: of two edits of one revision,
            # the second writes nothing; without one, the merge is redone on the newer row.
            written = await conn.fetchval(
                request.app[QUERIES]["update-list"],
                row["id"],
                fields["lang"],
                fields["names"],
                fields["descriptions"],
                fields["from_name"],
                fields["from_address"],
                fields["reply_to"],
                row["revision"] if expected is None else expected,
                fields["thank_you_url"],
                fields["colour"],
                fields["logo_url"],
            )
        if written is not None:
            return web.json_response(
                _counted_json(await list_row(request, row["slug"], counted=True)),
                dumps=utf8_json,
            )
        row = await list_row(request, row["slug"])
        if expected is not None:
            break
    raise Conflict("The list changed since you read it.", revision=row["revision"])


@routes.get("/v1/lists/{slug}/members")
async def members(request: web.Request) -> web.Response:
    """A page of the list's subscribers by address: `?status=`, `?q=`, `?limit=`, `?after=`.

    `next` is the `after` of the following page (null on the last): keyset paging, so a page
    costs the same on the thousandth as on the first, whatever the list's size.
    """
    _, row = await managed_list(request)
    f = Fields(dict(request.query))
    status = f.choice("status", SUBSCRIPTION_STATUSES)
    # Folded and split into words by the database (mailing.member_query), as the stored words.
    search = f.text("q", max_length=254) or None
    after = f.text("after", max_length=320)
    limit = f.whole("limit", low=1, high=MEMBER_PAGE_MAX, default=MEMBER_PAGE)
    f.done()
    assert limit is not None
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await conn.execute(q["plan-each-time"])
        rows = await conn.fetch(
            q["list-members"] if search is None else q["search-members"],
            row["id"],
            status,
            search,
            after.lower() if after else None,
            limit + 1,
        )
    page = rows[:limit]
    items = [
        {
            "id": r["id"],
            "email": r["email"],
            "name": r["name"],
            "status": r["status"],
            "suppressed": r["suppressed"],
            "lang": r["lang"],
            "created_at": r["created_at"].isoformat(),
            "confirmed_at": r["confirmed_at"].isoformat() if r["confirmed_at"] else None,
            "unsubscribed_at": r["unsubscribed_at"].isoformat() if r["unsubscribed_at"] else None,
        }
        for r in page
    ]
    following = page[-1]["email"] if len(rows) > limit else None
    return web.json_response({"items": items, "next": following}, dumps=utf8_json)
