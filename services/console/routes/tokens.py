"""A coordinator's own tokens: what each is, its last use and expiry; revoking one."""

from __future__ import annotations

from aiohttp import web

from services.console.pages import HOME, backend, me, render
from shared.redirects import local_path
from shared.text import form_fields

routes = web.RouteTableDef()


@routes.get("/tokens")
async def tokens_page(request: web.Request) -> web.Response:
    """The signed-in account's tokens, with last use and expiry (soon-expiring ones flagged)."""
    account = me(request)["id"]
    listed = await backend(request).get("directory", f"/v1/accounts/{account}/tokens")
    return render(request, "tokens.html", {"tokens": listed["items"]})


@routes.post("/tokens/{id:\\d+}/revoke")
async def revoke(request: web.Request) -> web.Response:
    """Revoke a token at once (the directory lets its owner, or an admin)."""
    form = await form_fields(request)
    await backend(request).call("directory", "DELETE", f"/v1/tokens/{request.match_info['id']}")
    raise web.HTTPSeeOther(local_path(form.get("next"), HOME))
