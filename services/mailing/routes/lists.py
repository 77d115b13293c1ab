"""Lists: one per directory network and language, managed by that network's coordinators."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing.access import require
from services.mailing.keys import DIRECTORY, POOL, QUERIES, SETTINGS
from services.mailing.routes.forms import form_key
from shared.addresses import normalize_address
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed, read_object
from shared.i18n import LANGUAGES, pick
from shared.identity import credential, identify
from shared.validate import Fields

routes = web.RouteTableDef()

EDITABLE = (
    "slug",
    "network",
    "lang",
    "names",
    "descriptions",
    "from_name",
    "from_address",
    "reply_to",
    "thank_you_url",
    "colour",
    "logo_url",
)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
STATUSES = ("pending", "confirmed", "unsubscribed", "bounced", "complained", "blocked")


def list_json(row: asyncpg.Record) -> dict[str, Any]:
    """A list as the API shows it."""
    return {
        "slug": row["slug"],
        "network": row["network"],
        "lang": row["lang"],
        "name": pick(row["names"], row["lang"]),
        "names": row["names"],
        "descriptions": row["descriptions"],
        "from_name": row["from_name"],
        "from_address": row["from_address"],
        "reply_to": row["reply_to"],
        "thank_you_url": row["thank_you_url"],
        "colour": row["colour"],
        "logo_url": row["logo_url"],
        "confirmed": row["confirmed"],
        "revision": row["revision"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def _address(f: Fields, name: str, *, required: bool) -> str | None:
    raw = f.text(name, required=required, max_length=254)
    if raw is None:
        return None
    try:
        return normalize_address(raw)
    except EmailNotValidError as exc:
        f.refused_address(name, exc)
        return None


def _colour(f: Fields) -> str | None:
    """The newsletter's colour: `#rrggbb` (lower case kept), or none for the default."""
    raw = f.text("colour", max_length=7)
    if raw is None:
        return None
    if not COLOUR.fullmatch(raw):
        f.fail("colour", "must be a colour as #rrggbb, e.g. #0b4f8a")
        return None
    return raw.lower()


def _logo(f: Fields) -> str | None:
    """The newsletter's logo: an https URL of an image (mail clients load it), or none."""
    raw = f.text("logo_url", max_length=2000)
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in raw):
        f.fail("logo_url", "must be an https:// address of an image")
        return None
    return raw


def list_fields(body: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """A list's fields from JSON, every bad one named."""
    data = (current or {}) | body
    f = Fields(data)
    f.unknown({*EDITABLE, "revision"})
    fields = {
        "slug": f.slug("slug", required=True),
        "network": f.slug("network", required=True),
        "lang": f.choice("lang", LANGUAGES, default="en"),
        "names": f.texts("names", required=True, max_length=200),
        "descriptions": f.texts("descriptions", max_length=2000),
        "from_name": f.text("from_name", required=True, max_length=200),
        "from_address": _address(f, "from_address", required=True),
        "reply_to": _address(f, "reply_to", required=False),
        "thank_you_url": f.url("thank_you_url") or None,
        "colour": _colour(f),
        "logo_url": _logo(f),
    }
    f.done()
    return fields


async def list_row(request: web.Request, slug: str) -> asyncpg.Record:
    async with request.app[POOL].acquire() as conn:
        row: asyncpg.Record | None = await conn.fetchrow(request.app[QUERIES]["get-list"], slug)
    if row is None:
        raise NotFound("No list %(slug)r.", values={"slug": slug})
    return row


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
    return web.json_response({"items": [list_json(r) for r in rows]}, dumps=_dumps)


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
        list_json(await list_row(request, fields["slug"])), status=201, dumps=_dumps
    )


@routes.get("/v1/lists/{slug}")
async def get_list(request: web.Request) -> web.Response:
    """One list (its network's list managers)."""
    caller = await identify(request)
    row = await list_row(request, request.match_info["slug"])
    require(caller, "manage_lists", row["network"])
    async with request.app[POOL].acquire() as conn:
        counts = await conn.fetch(request.app[QUERIES]["status-counts"], row["id"])
    body = list_json(row) | {
        "counts": {s: 0 for s in STATUSES} | {r["status"]: r["n"] for r in counts},
        # For the subscribe form a list's managers paste into its website.
        "form_key": form_key(request.app[SETTINGS], row["id"]),
    }
    return web.json_response(body, dumps=_dumps)


@routes.patch("/v1/lists/{slug}")
async def patch_list(request: web.Request) -> web.Response:
    """Change a list's names, language or sender; its network and slug stay.

    With `revision`, a list changed since that revision is a 409. Without, fields left out keep
    the value stored when the change is written (never one read before another edit).
    """
    caller = await identify(request)
    row = await list_row(request, request.match_info["slug"])
    require(caller, "manage_lists", row["network"])
    body = await read_object(request)
    given = {k: v for k, v in body.items() if k not in {"slug", "network"}}
    revision = body.get("revision")
    expected = revision if isinstance(revision, int) and not isinstance(revision, bool) else None
    for _ in range(_PATCH_TRIES):
        current = list_json(row)
        fields = list_fields(given, {k: current[k] for k in EDITABLE})
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
            return web.json_response(list_json(await list_row(request, row["slug"])), dumps=_dumps)
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
    caller = await identify(request)
    row = await list_row(request, request.match_info["slug"])
    require(caller, "manage_lists", row["network"])
    f = Fields(dict(request.query))
    status = f.choice("status", STATUSES)
    search = (f.text("q", max_length=254) or "").lower() or None
    after = f.text("after", max_length=320)
    limit = f.whole("limit", low=1, high=MEMBER_PAGE_MAX, default=MEMBER_PAGE)
    f.done()
    assert limit is not None
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(
            request.app[QUERIES]["list-members"],
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
    return web.json_response({"items": items, "next": following}, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
