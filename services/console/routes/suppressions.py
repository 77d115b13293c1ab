"""Admins only: the installation's suppression list (search, add, import, reinstate)."""

from __future__ import annotations

from typing import TypedDict
from urllib.parse import quote, urlencode

from aiohttp import web

from services.console.backend import Forbidden
from services.console.forms import text
from services.console.pages import backend, render, require_admin
from services.console.streaming import relay_upload
from shared.bodies import large_body
from shared.payloads import SUPPRESSION_REASONS
from shared.text import form_fields

routes = web.RouteTableDef()

# What `?m=` may say was just done: one of a fixed set, never text shown as it came.
DONE = ("added", "already", "reinstated")


class _Page(TypedDict):
    """The mailing service's `GET /v1/suppressions`: entries (each given its page's link here)."""

    items: list[dict[str, object]]
    next: str | None


def _address(request: web.Request) -> str:
    return quote(request.match_info["address"], safe="@")


async def _list_view(
    request: web.Request,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    search = request.query.get("q", "").strip()[:254]
    reason = request.query.get("reason", "")
    reason = reason if reason in SUPPRESSION_REASONS else ""
    after = request.query.get("after", "")
    query = {k: v for k, v in (("q", search), ("reason", reason), ("after", after)) if v}
    answer = await backend(request).call("mailing", "GET", f"/v1/suppressions?{urlencode(query)}")
    # A page link that no longer works (or was never ours) starts again from the top.
    page: _Page = answer.data if answer.ok else {"items": [], "next": None}
    for item in page["items"]:
        item["href"] = f"/suppressions/{quote(str(item['address']), safe='@')}"
    following = None
    if page["next"]:
        following = "/suppressions?" + urlencode({**query, "after": page["next"]})
    context = {
        "page": page,
        "following": following,
        "search": search,
        "reason": reason,
        "reasons": SUPPRESSION_REASONS,
        "values": values or {},
        "error": error,
    }
    return render(request, "suppressions.html", context, status=status)


@routes.get("/suppressions")
async def suppressions_page(request: web.Request) -> web.Response:
    """Suppressed addresses, newest first, with a search; forms to add and import."""
    require_admin(request)
    return await _list_view(request)


@routes.post("/suppressions")
async def add(request: web.Request) -> web.Response:
    """Suppress one address by hand, then show it."""
    require_admin(request)
    form = await form_fields(request)
    body = {"address": text(form, "address"), "note": text(form, "note")}
    answer = await backend(request).call("mailing", "POST", "/v1/suppressions", json=body)
    if answer.ok:
        done = "added" if answer.status == 201 else "already"
        address = quote(answer.data["address"], safe="@")
        raise web.HTTPSeeOther(f"/suppressions/{address}?m={done}")
    return await _list_view(request, values=body, error=answer.refusal, status=422)


@routes.post("/suppressions/import")
@large_body
async def import_addresses(request: web.Request) -> web.StreamResponse:
    """Send the uploaded CSV to the mailing service; stream its progress to a script if asked."""
    require_admin(request)
    form = await form_fields(request)
    path = f"/v1/suppressions/import?{urlencode({'note': text(form, 'note')})}"
    return await relay_upload(request, "mailing", path, "/suppressions")


async def _entry_view(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    answer = await backend(request).call(
        "mailing", "GET", f"/v1/suppressions/{_address(request)}", strict=False
    )
    if answer.status == 403:
        raise Forbidden()
    done = request.query.get("m", "")
    context = {
        "address": request.match_info["address"],
        "quoted": _address(request),
        "entry": answer.data if answer.ok else None,
        "message": done if done in DONE else "",
        "error": error,
    }
    return render(request, "suppression.html", context, status=status)


@routes.get("/suppressions/{address}")
async def entry_page(request: web.Request) -> web.Response:
    """One address: its evidence, its history, and a form to take it off the list."""
    require_admin(request)
    return await _entry_view(request)


@routes.post("/suppressions/{address}/reinstate")
async def take_off(request: web.Request) -> web.Response:
    """Take the address off the list with the admin's reason."""
    require_admin(request)
    form = await form_fields(request)
    answer = await backend(request).call(
        "mailing",
        "POST",
        f"/v1/suppressions/{_address(request)}/reinstate",
        json={"note": text(form, "note")},
        strict=False,
    )
    if answer.ok:
        raise web.HTTPSeeOther(f"/suppressions/{_address(request)}?m=reinstated")
    return await _entry_view(request, error=answer.refusal, status=answer.refusal_status)
