"""Organisations: public reads; changes by admins and by whoever edits every contact there."""

from __future__ import annotations

from aiohttp import web

from services.directory.auth import principal
from services.directory.export import ORGANISATION_KEYS
from services.directory.keys import POOL, QUERIES
from services.directory.reading import conditional_json, requested_lang
from services.directory.render import organisation_json
from services.directory.revisions import if_match
from services.directory.store import (
    check_revision,
    create_organisation,
    delete_unused,
    update_organisation,
)
from services.directory.validation import organisation_in
from shared.conn import Conn
from shared.errors import Conflict, Forbidden, NotFound, read_object
from shared.payloads import Organisation, OrganisationPage

routes = web.RouteTableDef()


@routes.get("/v1/organisations")
async def list_organisations(request: web.Request) -> web.StreamResponse:
    """Every organisation."""
    lang = requested_lang(request) or "en"
    caller = await principal(request)

    async def build(conn: Conn) -> OrganisationPage:
        rows = await conn.fetch(request.app[QUERIES]["list-organisations"])
        return {"items": [organisation_json(r, lang) for r in rows]}

    return await conditional_json(request, caller, build)


@routes.get("/v1/organisations/{slug}")
async def get_organisation(request: web.Request) -> web.StreamResponse:
    """One organisation."""
    lang = requested_lang(request) or "en"
    caller = await principal(request)
    slug = request.match_info["slug"]

    async def build(conn: Conn) -> Organisation:
        row = await conn.fetchrow(request.app[QUERIES]["get-organisation"], slug)
        if row is None:
            raise NotFound("No organisation %(slug)r.", values={"slug": slug})
        return organisation_json(row, lang)

    return await conditional_json(request, caller, build)


async def _one(request: web.Request, slug: str, status: int = 200) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(request.app[QUERIES]["get-organisation"], slug)
    if row is None:
        raise NotFound("No organisation %(slug)r.", values={"slug": slug})
    return web.json_response(
        organisation_json(row), status=status, headers={"ETag": f'"{row["revision"]}"'}
    )


@routes.post("/v1/organisations")
async def create(request: web.Request) -> web.Response:
    """Create an organisation: admins, and anyone who may edit contacts somewhere."""
    organisation = organisation_in(await read_object(request))
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(q["organisation-id"], organisation.slug):
            raise Conflict(
                "An organisation %(slug)r already exists.", values={"slug": organisation.slug}
            )
        await create_organisation(conn, q, organisation)
    return await _one(request, organisation.slug, status=201)


@routes.patch("/v1/organisations/{slug}")
async def patch(request: web.Request) -> web.Response:
    """Change an organisation: admins, or a coordinator who edits every contact working there."""
    body = await read_object(request)
    slug = request.match_info["slug"]
    caller = await principal(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q["lock-organisation"], slug)
        if row is None:
            raise NotFound("No organisation %(slug)r.", values={"slug": slug})
        # Its name shows on each of its contacts' cards: a change must touch only cards the
        # caller may change anyway (an organisation nobody works at yet, any editor).
        contacts = await conn.fetch(q["organisation-contact-networks"], row["id"])
        if caller is None or not all(
            caller.can_all("edit_contacts", c["network_ids"]) for c in contacts
        ):
            raise Forbidden(
                "Only an admin, or a coordinator who edits every contact working at "
                "%(slug)r, may change it.",
                values={"slug": slug},
            )
        check_revision(row["revision"], if_match(request, body))
        merged = {k: row[k] for k in ORGANISATION_KEYS} | body
        o = organisation_in(merged)
        await update_organisation(conn, q, row["id"], o)
    return await _one(request, o.slug)


@routes.delete("/v1/organisations/{slug}")
async def delete(request: web.Request) -> web.Response:
    """Delete an organisation no contact works at (admins)."""
    slug = request.match_info["slug"]
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await delete_unused(
            conn,
            q,
            ("lock-organisation", "delete-organisation"),
            slug,
            if_match(request, {}),
            missing=NotFound("No organisation %(slug)r.", values={"slug": slug}),
            in_use=Conflict(
                "Contacts still work at %(slug)r; change them first.", values={"slug": slug}
            ),
        )
    return web.Response(status=204)
