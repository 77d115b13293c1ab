"""One subscriber of a newsletter: what came back about them, and unsubscribe, block,
reinstate or remove, each with the coordinator's reason."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aiohttp import web

from services.console.forms import text
from services.console.pages import backend, network_zone, render
from shared.i18n import N_
from shared.text import form_fields

routes = web.RouteTableDef()

ACTIONS = ("unsubscribe", "block", "reinstate", "remove")
# What each status allows (the mailing service decides; the page offers only these).
OFFERED = {
    "pending": ("unsubscribe", "block", "remove"),
    "confirmed": ("unsubscribe", "block", "remove"),
    "bounced": ("reinstate", "block", "remove"),
    "blocked": ("reinstate",),
    "unsubscribed": ("block",),
    "complained": ("block",),
}


def _paths(request: web.Request) -> tuple[str, str]:
    """The list's slug (quoted) and the member's API path."""
    slug = quote(request.match_info["slug"], safe="")
    return slug, f"/v1/lists/{slug}/members/{request.match_info['id']}"


async def _view(
    request: web.Request, *, message: str = "", error: str = "", status: int = 200
) -> web.Response:
    slug, path = _paths(request)
    api = backend(request)
    lst = await api.get("mailing", f"/v1/lists/{slug}")
    member = await api.get("mailing", path)
    context = {
        "list": lst,
        "m": member,
        "zone": await network_zone(request, lst["network"]),
        "offered": OFFERED.get(member["status"], ()),
        "message": message,
        "error": error,
    }
    return render(request, "member.html", context, status=status)


@routes.get("/lists/{slug}/members/{id:\\d+}")
async def member_page(request: web.Request) -> web.Response:
    """Status, consent, suppression, returned mail and complaints, changes, and the actions."""
    # `?m=` names what was just done, as one of a fixed set: never text shown as it came.
    done = request.query.get("m", "")
    return await _view(request, message=done if done in ACTIONS else "")


@routes.post("/lists/{slug}/members/{id:\\d+}")
async def member_action(request: web.Request) -> web.Response:
    """Unsubscribe, block, reinstate or remove, as the button pressed says, with the reason."""
    form = await form_fields(request)
    action = text(form, "action")
    if action not in ACTIONS:
        raise web.HTTPBadRequest(text=N_("This action is unknown."))
    slug, path = _paths(request)
    answer = await backend(request).call(
        "mailing", "POST", f"{path}/{action}", json={"reason": text(form, "reason")}
    )
    if answer.ok and action == "remove":
        raise web.HTTPSeeOther(f"/lists/{slug}?{urlencode({'m': 'removed'})}")
    if answer.ok:
        raise web.HTTPSeeOther(f"/lists/{slug}/members/{request.match_info['id']}?m={action}")
    # A refusal is shown on the page answering the form, not carried in a link.
    return await _view(request, error=answer.refusal, status=answer.refusal_status)
