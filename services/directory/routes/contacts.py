"""Contacts: the public card list and detail, and permission-checked changes."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping

import asyncpg
from aiohttp import web

from services.directory.auth import principal
from services.directory.keys import POOL, QUERIES, SETTINGS
from services.directory.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_UIDS,
    SERVICE_MAX_LIMIT,
    decode_cursor,
    encode_cursor,
)
from services.directory.phones import Phone
from services.directory.reading import conditional_json, dumps, requested_lang
from services.directory.render import shown
from services.directory.revisions import if_match
from services.directory.scope import get_network_row, resolve_scope
from services.directory.store import (
    RESTORE_SECONDS,
    check_revision,
    contact_as_input,
    create_contact,
    network_ids,
    region_of,
    replace_contact,
    stored_phones,
)
from services.directory.validation import ContactIn, contact_in, names_kept, network_slugs
from services.directory.visibility import Sight, emails_for, sight_of
from shared.addresses import in_dns_thread
from shared.conn import Conn
from shared.errors import FieldError, Forbidden, NotFound, ValidationFailed, read_object
from shared.identity import Caller, identify
from shared.payloads import Contact, ContactPage, DeletedContact, DeletedContacts
from shared.queries import Queries
from shared.validate import Fields, path_id

routes = web.RouteTableDef()


def _limit(request: web.Request, caller: Caller | None) -> int:
    f = Fields(dict(request.query))
    most = SERVICE_MAX_LIMIT if caller is not None else MAX_LIMIT
    limit = f.whole("limit", low=1, high=most, default=DEFAULT_LIMIT)
    f.done()
    assert limit is not None
    return limit


def _uids(request: web.Request) -> list[uuid.UUID] | None:
    """`?uid=` (repeated): only these contacts, e.g. the ones a sync says changed."""
    given = request.query.getall("uid", [])
    if not given:
        return None
    if len(given) > MAX_UIDS:
        raise ValidationFailed(
            [FieldError("uid", "at most %(value)s at once", {"value": MAX_UIDS})]
        )
    try:
        return [uuid.UUID(u) for u in given]
    except ValueError as exc:
        raise ValidationFailed([FieldError("uid", "must be a contact UID")]) from exc


@routes.get("/v1/networks/{slug}/contacts")
async def list_contacts(request: web.Request) -> web.StreamResponse:
    """Published contacts of a network and everything below it, or of one member network."""
    lang = requested_lang(request)
    caller = await principal(request)
    slug = request.match_info["slug"]
    member = request.query.get("member") or None
    search = request.query.get("q", "").strip() or None
    if search is not None and len(search) > 100:
        raise ValidationFailed([FieldError("q", "must be at most 100 characters")])
    limit = _limit(request, caller)
    uids = _uids(request)
    after = decode_cursor(request.query["after"]) if request.query.get("after") else (-(2**31), 0)
    want_all = request.query.get("include_unpublished") == "true"
    q = request.app[QUERIES]

    async def build(conn: Conn) -> ContactPage:
        sight = await sight_of(conn, q, caller)
        _, target, scope = await resolve_scope(conn, request.app[QUERIES], slug, member, sight)
        unpublished = bool(want_all and caller and caller.can("edit_contacts", target["id"]))
        escaped = (
            search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") if search else None
        )
        rows = await conn.fetch(
            q["list-contacts"], scope, escaped, after[0], after[1], limit + 1, unpublished, uids
        )
        page, more = rows[:limit], len(rows) > limit
        emails = await emails_for(conn, q, sight, page)
        default = target["default_lang"]
        items = [shown(r, sight, lang or default, default, emails.get(r["id"])) for r in page]
        next_url = None
        if more:
            cursor = encode_cursor(page[-1]["position"], page[-1]["id"])
            next_url = str(request.rel_url.update_query(after=cursor))
        return {"items": items, "next": next_url}

    return await conditional_json(request, caller, build)


async def _contact_row(
    conn: Conn, q: Queries, contact_id: int, caller: Caller | None, sight: Sight
) -> asyncpg.Record:
    """The contact if the caller may see it: published (or theirs to edit), in a visible network."""
    row = await conn.fetchrow(q["get-contact"], contact_id, True)
    if row is None:
        raise NotFound("No contact %(contact_id)s.", values={"contact_id": contact_id})
    editor = caller is not None and caller.can_all("edit_contacts", row["network_ids"])
    if not (row["published"] or editor) or not sight.contact(row["network_ids"]):
        raise NotFound("No contact %(contact_id)s.", values={"contact_id": contact_id})
    return row


async def _default_lang(conn: Conn, q: Queries, row: asyncpg.Record, sight: Sight) -> str:
    networks = sight.memberships(row["networks"])
    if networks:
        network = await conn.fetchrow(q["get-network"], networks[0]["network"])
        if network is not None:
            return str(network["default_lang"])
    return "en"


@routes.get("/v1/contacts/{id}")
async def get_contact(request: web.Request) -> web.StreamResponse:
    """One contact card."""
    lang = requested_lang(request)
    caller = await principal(request)
    contact_id = path_id(request, "contact")
    q = request.app[QUERIES]

    async def build(conn: Conn) -> Contact:
        sight = await sight_of(conn, q, caller)
        row = await _contact_row(conn, q, contact_id, caller, sight)
        default = await _default_lang(conn, q, row, sight)
        emails = await emails_for(conn, q, sight, [row])
        return shown(row, sight, lang or default, default, emails.get(row["id"]))

    return await conditional_json(request, caller, build)


async def _check_networks(conn: Conn, q: Queries, caller: Caller, slugs: list[str]) -> None:
    ids = await network_ids(conn, q, slugs)
    if not caller.can_all("edit_contacts", ids.values()):
        raise Forbidden("You may edit contacts only in your own networks.")


async def _written(
    conn: Conn, q: Queries, contact_id: int, caller: Caller, status: int
) -> web.Response:
    """The contact as this request's own transaction wrote it."""
    sight = await sight_of(conn, q, caller)
    row = await _contact_row(conn, q, contact_id, caller, sight)
    default = await _default_lang(conn, q, row, sight)
    emails = await emails_for(conn, q, sight, [row])
    body = shown(row, sight, default, default, emails.get(contact_id, []))
    return web.Response(
        body=dumps(body),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers={"ETag": f'"{row["revision"]}"'},
    )


async def _validated(
    request: web.Request,
    data: Mapping[str, object],
    *,
    region: str | None,
    known_phones: Mapping[str, Phone] | None = None,
) -> ContactIn:
    """`contact_in`; with the deliverability check on, in a DNS thread (its queries block)."""
    check = functools.partial(contact_in, data, region=region, known_phones=known_phones)
    if request.app[SETTINGS].email_check_deliverability:
        return await in_dns_thread(check, check_deliverability=True)
    return check()


@routes.post("/v1/contacts")
async def create(request: web.Request) -> web.Response:
    """Create a contact in networks where the caller may edit contacts."""
    caller = await identify(request)
    body = await read_object(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        contact = await _validated(
            request, body, region=await region_of(conn, q, network_slugs(body))
        )
        await _check_networks(conn, q, caller, [s for s, _ in contact.networks])
        contact_id = await create_contact(conn, q, contact)
        return await _written(conn, q, contact_id, caller, 201)


async def _lock_for_edit(
    conn: Conn, q: Queries, contact_id: int, caller: Caller, revision: int | None
) -> asyncpg.Record:
    row = await conn.fetchrow(q["lock-contact"], contact_id)
    if row is None:
        raise NotFound("No contact %(contact_id)s.", values={"contact_id": contact_id})
    if not caller.can_all("edit_contacts", row["network_ids"]):
        raise Forbidden("You may change contacts only in your own networks.")
    check_revision(row["revision"], revision)
    return row


@routes.patch("/v1/contacts/{id}")
async def patch(request: web.Request) -> web.Response:
    """Change a contact; fields left out keep their value, lists sent replace the old ones."""
    caller = await identify(request)
    contact_id = path_id(request, "contact")
    body = await read_object(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await _lock_for_edit(conn, q, contact_id, caller, if_match(request, body))
        stored = await contact_as_input(conn, q, row)
        current = names_kept(stored)
        merged: dict[str, object] = {**current, **body}
        known = stored_phones(stored["phones"])
        region = await region_of(conn, q, network_slugs(merged))
        contact = await _validated(request, merged, region=region, known_phones=known)
        await _check_networks(conn, q, caller, [s for s, _ in contact.networks])
        # Saving what is stored changes nothing: no write, no new revision; but a name stored
        # before the name rule is written again by it (names_kept took something out).
        before_rule = current != stored
        if before_rule or not contact.same_as(
            contact_in(current, region=region, known_phones=known)
        ):
            await replace_contact(conn, q, contact_id, contact)
        return await _written(conn, q, contact_id, caller, 200)


@routes.delete("/v1/contacts/{id}")
async def delete(request: web.Request) -> web.Response:
    """Delete a contact (networks where the caller edits contacts): at once invisible to every
    read, restorable by `POST …/restore` for RESTORE_SECONDS (`Restore-Until` says until when,
    RFC 3339), then purged.
    """
    caller = await identify(request)
    contact_id = path_id(request, "contact")
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await _lock_for_edit(conn, q, contact_id, caller, if_match(request, {}))
        until = await conn.fetchval(q["delete-contact"], contact_id, RESTORE_SECONDS)
    return web.Response(status=204, headers={"Restore-Until": until.isoformat()})


@routes.get("/v1/networks/{slug}/deleted")
async def deleted(request: web.Request) -> web.Response:
    """The network's deleted contacts that can still be restored (for its editors): each one's
    id, display name and `restore_until`, newest first; a contact never deleted is not here."""
    caller = await identify(request)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        sight = await sight_of(conn, q, caller)
        network = await get_network_row(conn, q, request.match_info["slug"], sight)
        if not caller.can("edit_contacts", network["id"]):
            raise Forbidden("You may see deleted contacts only in your own networks.")
        scope: list[int] = await conn.fetchval(q["network-subtree"], network["id"])
        rows = await conn.fetch(q["deleted-contacts"], scope)
    items: list[DeletedContact] = [
        {
            "id": r["id"],
            "display_name": r["display_name"],
            "restore_until": r["restore_until"].isoformat(),
        }
        for r in rows
    ]
    answer: DeletedContacts = {"items": items}
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


@routes.post("/v1/contacts/{id}/restore")
async def restore(request: web.Request) -> web.Response:
    """Undo a deletion while its time to restore lasts (404 after, or if never deleted)."""
    caller = await identify(request)
    contact_id = path_id(request, "contact")
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q["lock-deleted-contact"], contact_id)
        if row is None:
            raise NotFound(
                "No deleted contact %(contact_id)s to restore (or its time passed).",
                values={"contact_id": contact_id},
            )
        if not caller.can_all("edit_contacts", row["network_ids"]):
            raise Forbidden("You may restore contacts only in your own networks.")
        await conn.execute(q["restore-contact"], contact_id)
        return await _written(conn, q, contact_id, caller, 200)
