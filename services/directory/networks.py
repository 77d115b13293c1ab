"""Networks: the public list and detail, and admin changes."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from services.directory.auth import principal
from services.directory.keys import POOL, QUERIES
from services.directory.reading import conditional_json, requested_lang
from services.directory.render import network_json
from services.directory.store import check_revision, create_network, update_network
from services.directory.validation import network_in
from shared.conn import Conn
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed, read_object

routes = web.RouteTableDef()


async def get_network_row(conn: Conn, request: web.Request, slug: str) -> asyncpg.Record:
    """The network with `slug`, or 404."""
    row = await conn.fetchrow(request.app[QUERIES]["get-network"], slug)
    if row is None:
        raise NotFound(f"No network {slug!r}.")
    return row


async def resolve_scope(
    conn: Conn, request: web.Request, slug: str, member: str | None
) -> tuple[asyncpg.Record, asyncpg.Record, list[int]]:
    """The network, the member network asked for (or the network), and the ids below it."""
    q = request.app[QUERIES]
    network = await get_network_row(conn, request, slug)
    scope: list[int] = await conn.fetchval(q["network-subtree"], network["id"])
    if member is None:
        return network, network, scope
    target = await conn.fetchrow(q["get-network"], member)
    if target is None or target["id"] not in scope:
        raise ValidationFailed([FieldError("member", f"{member!r} is not a network in {slug!r}")])
    return network, target, await conn.fetchval(q["network-subtree"], target["id"])


@routes.get("/v1/networks")
async def list_networks(request: web.Request) -> web.StreamResponse:
    """Every network, parents first."""
    lang = requested_lang(request)
    caller = await principal(request)

    async def build(conn: Conn) -> Any:
        rows = await conn.fetch(request.app[QUERIES]["list-networks"])
        return {"items": [network_json(r, lang) for r in rows]}

    return await conditional_json(request, caller, build)


@routes.get("/v1/networks/{slug}")
async def get_network(request: web.Request) -> web.StreamResponse:
    """One network with its member networks."""
    lang = requested_lang(request)
    caller = await principal(request)
    slug = request.match_info["slug"]

    async def build(conn: Conn) -> Any:
        row = await get_network_row(conn, request, slug)
        rows = await conn.fetch(request.app[QUERIES]["list-networks"])
        body = network_json(row, lang)
        body["members"] = [network_json(r, lang) for r in rows if r["parent"] == slug]
        return body

    return await conditional_json(request, caller, build)


async def _one(request: web.Request, slug: str, status: int = 200) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        row = await get_network_row(conn, request, slug)
    return web.json_response(
        network_json(row), status=status, headers={"ETag": f'"{row["revision"]}"'}
    )


@routes.post("/v1/networks")
async def create(request: web.Request) -> web.Response:
    """Create a network (admins)."""
    network = network_in(await read_object(request))
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(q["network-ids-by-slug"], [network.slug]):
            raise Conflict(f"A network {network.slug!r} already exists.")
        await create_network(conn, q, network)
    return await _one(request, network.slug, status=201)


@routes.patch("/v1/networks/{slug}")
async def patch(request: web.Request) -> web.Response:
    """Change a network (admins); fields left out keep their value."""
    body = await read_object(request)
    slug = request.match_info["slug"]
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await conn.fetchrow(q["get-network"], slug)
        if current is None:
            raise NotFound(f"No network {slug!r}.")
        merged = {
            "slug": current["slug"],
            "parent": current["parent"],
            "names": current["names"],
            "default_lang": current["default_lang"],
            "is_private": current["is_private"],
            "position": current["position"],
            "embed_origins": current["embed_origins"],
            "country": current["country"],
        } | body
        network = network_in(merged)
        await update_network(conn, q, slug, network, if_match(request, body))
    return await _one(request, network.slug)


@routes.delete("/v1/networks/{slug}")
async def delete(request: web.Request) -> web.Response:
    """Delete a network that no contact or member network refers to (admins)."""
    slug = request.match_info["slug"]
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q["lock-network"], slug)
        if row is None:
            raise NotFound(f"No network {slug!r}.")
        check_revision(row["revision"], if_match(request, {}))
        try:
            await conn.execute(q["delete-network"], row["id"])
        except (asyncpg.ForeignKeyViolationError, asyncpg.RestrictViolationError) as exc:
            raise Conflict(
                f"Network {slug!r} still has member networks or contacts; "
                "move or delete them first."
            ) from exc
    return web.Response(status=204)


def if_match(request: web.Request, body: dict[str, Any]) -> int | None:
    """The revision the client edited: `If-Match: "3"` or a `revision` field."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if header.isdigit():
        return int(header)
    value = body.get("revision")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
