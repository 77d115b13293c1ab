"""Accounts and their per-network permissions (their tokens: `tokens.py`)."""

from __future__ import annotations

from aiohttp import web
from email_validator import EmailNotValidError

from services.directory.account_records import (
    account_json,
    account_row,
    permissions_in,
    self_or_admin,
    write_permissions,
)
from services.directory.keys import POOL, QUERIES
from shared.addresses import normalize_address
from shared.errors import (
    Conflict,
    NotFound,
    read_object,
)
from shared.identity import identify
from shared.validate import Fields, path_id

routes = web.RouteTableDef()


# Accounts a page lists unless `limit` says otherwise, and at most.
ACCOUNTS_PAGE = 100
MAX_ACCOUNTS_PAGE = 500


@routes.get("/v1/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    """Accounts by id, a page at a time (admins); `next` links to the following page."""
    f = Fields(dict(request.query))
    after = f.whole("after", low=0, high=2**63 - 1, default=0)
    limit = f.whole("limit", low=1, high=MAX_ACCOUNTS_PAGE, default=ACCOUNTS_PAGE)
    f.done()
    assert after is not None
    assert limit is not None
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(request.app[QUERIES]["page-accounts"], after, limit + 1)
    page = rows[:limit]
    following = None
    if len(rows) > limit:
        following = str(request.rel_url.update_query(after=page[-1]["id"]))
    return web.json_response({"items": [account_json(r) for r in page], "next": following})


@routes.post("/v1/accounts")
async def create_account(request: web.Request) -> web.Response:
    """Create an account with permissions (admins)."""
    body = await read_object(request)
    f = Fields(body)
    f.unknown({"email", "name", "is_admin", "permissions"})
    raw_email = f.text("email", required=True, max_length=254)
    email = None
    if raw_email:
        try:
            email = normalize_address(raw_email)
        except EmailNotValidError as exc:
            f.refused_address("email", exc)
    name = f.name("name", default="") or ""
    is_admin = bool(f.boolean("is_admin", False))
    permissions = permissions_in(f)
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(q["account-by-email"], email):
            raise Conflict("An account for %(email)s already exists.", values={"email": email})
        account_id = await conn.fetchval(q["insert-account"], email, name, is_admin)
        await write_permissions(conn, q, account_id, permissions)
        result = await account_row(conn, q, account_id)
    return web.json_response(result, status=201)


@routes.get("/v1/accounts/{id}")
async def get_account(request: web.Request) -> web.Response:
    """One account (admins, or the account itself)."""
    caller = await identify(request)
    account_id = path_id(request, "account")
    self_or_admin(caller, account_id)
    async with request.app[POOL].acquire() as conn:
        return web.json_response(await account_row(conn, request.app[QUERIES], account_id))


@routes.patch("/v1/accounts/{id}")
async def patch_account(request: web.Request) -> web.Response:
    """Change an account's name, admin flag, disabled flag or permissions (admins)."""
    caller = await identify(request)
    account_id = path_id(request, "account")
    body = await read_object(request)
    f = Fields(body)
    f.unknown({"name", "is_admin", "disabled", "permissions"})
    name = f.name("name", allow_empty=True)
    is_admin = f.boolean("is_admin")
    disabled = f.boolean("disabled")
    permissions = permissions_in(f) if f.has("permissions") else None
    if account_id == caller.account_id and (disabled or is_admin is False):
        f.fail("is_admin" if is_admin is False else "disabled", "you cannot lock yourself out")
    f.done()
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        # Only the fields sent are written, in the statement that writes, so two edits of
        # different fields both stay; the row lock it takes orders the permission writes too.
        if await conn.fetchval(q["update-account"], account_id, name, is_admin, disabled) is None:
            raise NotFound("No account %(account_id)s.", values={"account_id": account_id})
        if permissions is not None:
            await write_permissions(conn, q, account_id, permissions)
        result = await account_row(conn, q, account_id)
    return web.json_response(result)
