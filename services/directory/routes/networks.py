"""Networks: the public list and detail, and admin changes."""

from __future__ import annotations

from aiohttp import web

from services.directory.auth import principal
from services.directory.export import NETWORK_KEYS
from services.directory.keys import POOL, QUERIES
from services.directory.reading import conditional_json, requested_lang
from services.directory.render import network_json, shown_network
from services.directory.revisions import if_match
from services.directory.scope import get_network_row
from services.directory.store import (
    create_network,
    delete_unused,
    update_network,
)
from services.directory.validation import network_in
from services.directory.visibility import sight_of
from shared.conn import Conn
from shared.errors import Conflict, NotFound, read_object
from shared.payloads import Network, NetworkPage

routes = web.RouteTableDef()


@routes.get("/v1/networks")
async def list_networks(request: web.Request) -> web.StreamResponse:
    """Every network the caller sees, parents first."""
    lang = requested_lang(request)
    caller = await principal(request)
    q = request.app[QUERIES]

    async def build(conn: Conn) -> NetworkPage:
        sight = await sight_of(conn, q, caller)
        rows = await conn.fetch(q["list-networks"])
        return {"items": [shown_network(r, sight, lang) for r in rows if sight.network(r["id"])]}

    return await conditional_json(request, caller, build)


@routes.get("/v1/networks/{slug}")
async def get_network(request: web.Request) -> web.StreamResponse:
    """One network with the member networks the caller sees."""
    lang = requested_lang(request)
    caller = await principal(request)
    slug = request.match_info["slug"]
    q = request.app[QUERIES]

    async def build(conn: Conn) -> Network:
        sight = await sight_of(conn, q, caller)
        row = await get_network_row(conn, request.app[QUERIES], slug, sight)
        rows = await conn.fetch(q["list-networks"])
        body = shown_network(row, sight, lang)
        body["members"] = [
            shown_network(r, sight, lang)
            for r in rows
            if r["parent"] == slug and sight.network(r["id"])
        ]
        return body

    return await conditional_json(request, caller, build)


async def _one(request: web.Request, slug: str, status: int = 200) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        row = await get_network_row(conn, request.app[QUERIES], slug)
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
            raise Conflict("A network %(slug)r already exists.", values={"slug": network.slug})
        await create_network(conn, q, network)
    return await _one(request, network.slug, status=201)


@routes.patch("/v1/networks/{slug}")
async def patch(request: web.Request) -> web.Response:
    """Change a network (admins); fields left out keep their value."""
    body = await read_object(request)
    slug = request.match_info["slug"]
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        # Locked before it is read: the fields left out keep what another edit just wrote.
        await conn.fetchrow(q["lock-network"], slug)
        current = await conn.fetchrow(q["get-network"], slug)
        if current is None:
            raise NotFound("No network %(slug)r.", values={"slug": slug})
        merged = {k: current[k] for k in NETWORK_KEYS} | body
        network = network_in(merged)
        await update_network(conn, q, slug, network, if_match(request, body))
    return await _one(request, network.slug)


@routes.delete("/v1/networks/{slug}")
async def delete(request: web.Request) -> web.Response:
    """Delete a network that no contact or member network refers to (admins)."""
    slug = request.match_info["slug"]
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await delete_unused(
            conn,
            q,
            ("lock-network", "delete-network"),
            slug,
            if_match(request, {}),
            missing=NotFound("No network %(slug)r.", values={"slug": slug}),
            in_use=Conflict(
                "Network %(slug)r still has member networks or contacts; move or delete them "
                "first.",
                values={"slug": slug},
            ),
        )
    return web.Response(status=204)
