"""Tokens: a coordinator's own, or (admins) one account's; kind, last use, expiry; revoking."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from services.console.pages import HOME, backend, me, render, require_admin
from shared.redirects import local_path
from shared.text import form_fields

routes = web.RouteTableDef()
SHOWN = 50  # tokens a page shows


async def _page(request: web.Request, account_id: int, owner: str | None) -> web.Response:
    """A page of the account's tokens: live ones, or with `?all=1` revoked and expired too."""
    every = request.query.get("all") == "1"
    after = request.query.get("after", "")
    kept = {"all": "1"} if every else {}
    query = {"limit": SHOWN, "live": "false" if every else "true"}
    if after.isascii() and after.isdigit() and len(after) <= 18:
        query["after"] = after
    listed = await backend(request).get(
        "directory", f"/v1/accounts/{account_id}/tokens?{urlencode(query)}"
    )
    tokens = listed["items"]
    following = None
    if listed.get("next") and tokens:
        following = f"{request.path}?{urlencode(kept | {'after': tokens[-1]['id']})}"
    context = {
        "tokens": tokens,
        "owner": owner,
        "every": every,
        "next_page": following,
        "first_page": f"{request.path}?{urlencode(kept)}" if "after" in query else None,
        # The other view of the same tokens: every one, or the live ones only.
        "other_view": request.path if every else f"{request.path}?all=1",
    }
    return render(request, "tokens.html", context)


@routes.get("/tokens")
async def tokens_page(request: web.Request) -> web.Response:
    """The signed-in account's live tokens a page at a time (`?all=1`: the ended ones too)."""
    return await _page(request, me(request)["id"], None)


@routes.get("/accounts/{id:\\d+}/tokens")
async def account_tokens_page(request: web.Request) -> web.Response:
    """One account's tokens, paged as `/tokens` is (admins)."""
    require_admin(request)
    account = await backend(request).get("directory", f"/v1/accounts/{request.match_info['id']}")
    return await _page(request, account["id"], account["name"] or account["email"])


@routes.post("/tokens/{id:\\d+}/revoke")
async def revoke(request: web.Request) -> web.Response:
    """Revoke a token at once (the directory lets its owner, or an admin)."""
    form = await form_fields(request)
    await backend(request).call("directory", "DELETE", f"/v1/tokens/{request.match_info['id']}")
    raise web.HTTPSeeOther(local_path(form.get("next"), HOME))
