"""Admins only: accounts, their permissions per network, and their tokens."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from services.console.forms import text
from services.console.pages import backend, networks_of, render, require_admin, session_of
from shared.text import form_fields

routes = web.RouteTableDef()
PERMISSIONS = ("edit_contacts", "manage_lists", "send_campaigns")
PAGE = 50  # accounts a page shows
TOKENS_SHOWN = 5  # live tokens shown per account; its own page lists the rest


async def _page(request: web.Request, **extra: object) -> web.Response:
    """A page of accounts with a few live tokens each: two directory requests at any size."""
    api = backend(request)
    after = request.query.get("after", "")
    query = urlencode(
        {"limit": PAGE} | ({"after": after} if after.isascii() and after.isdigit() else {})
    )
    listed = await api.get("directory", f"/v1/accounts?{query}")
    accounts = listed["items"]
    owned: dict[int, list[object]] = {a["id"]: [] for a in accounts}
    if accounts:
        asked = urlencode(
            [("account", a["id"]) for a in accounts]
            # One page holds them all: 50 accounts' 6 each at most.
            + [("live", "true"), ("per_account", TOKENS_SHOWN + 1), ("limit", 500)]
        )
        for token in (await api.get("directory", f"/v1/tokens?{asked}"))["items"]:
            owned[token["account_id"]].append(token)
    for account in accounts:
        account["tokens"] = owned[account["id"]][:TOKENS_SHOWN]
        account["more_tokens"] = len(owned[account["id"]]) > TOKENS_SHOWN
    following = None
    if listed.get("next") and accounts:
        following = "/accounts?" + urlencode({"after": accounts[-1]["id"]})
    context = {
        "accounts": accounts,
        "next_page": following,
        "networks": await networks_of(request),
        "permissions": PERMISSIONS,
        "new_token": None,
        "error": None,
        "session_ends": session_of(request).expires_at,
    } | extra
    return render(request, "accounts.html", context, status=422 if extra.get("error") else 200)


@routes.get("/accounts")
async def accounts_page(request: web.Request) -> web.Response:
    """Accounts a page at a time, their permissions and a few live tokens each."""
    require_admin(request)
    return await _page(request)


@routes.post("/accounts")
async def create_account(request: web.Request) -> web.Response:
    """A new coordinator (no permissions until given)."""
    require_admin(request)
    form = await form_fields(request)
    body = {"email": text(form, "email"), "name": text(form, "name")}
    answer = await backend(request).call("directory", "POST", "/v1/accounts", json=body)
    if not answer.ok:
        return await _page(request, error=answer.refusal)
    raise web.HTTPSeeOther("/accounts")


@routes.post("/accounts/{id:\\d+}/permissions")
async def set_permissions(request: web.Request) -> web.Response:
    """Replace an account's permissions with the ticked boxes."""
    require_admin(request)
    form = await form_fields(request)
    networks = await networks_of(request)
    granted = []
    for network in networks:
        chosen = {p: form.get(f"{network['slug']}:{p}") == "on" for p in PERMISSIONS}
        if any(chosen.values()):
            granted.append({"network": network["slug"], **chosen})
    account = request.match_info["id"]
    answer = await backend(request).call(
        "directory", "PATCH", f"/v1/accounts/{account}", json={"permissions": granted}
    )
    if not answer.ok:
        return await _page(request, error=answer.refusal)
    raise web.HTTPSeeOther("/accounts")


@routes.post("/accounts/{id:\\d+}/tokens")
async def new_token(request: web.Request) -> web.Response:
    """Issue a token and show it this once."""
    require_admin(request)
    form = await form_fields(request)
    body = {"name": text(form, "name") or "console", "kind": text(form, "kind") or "api"}
    account = request.match_info["id"]
    answer = await backend(request).call(
        "directory", "POST", f"/v1/accounts/{account}/tokens", json=body
    )
    if not answer.ok:
        return await _page(request, error=answer.refusal)
    return await _page(request, new_token=answer.data["token"])
