"""Newsletters: lists and subscribers, CSV import and export, campaigns and their progress."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict
from urllib.parse import quote, urlencode

from aiohttp import web

from services.console.backend import NotFound
from services.console.campaign_progress import shown_progress
from services.console.forms import Form, FormValues, needed, problems, revision, text, typed
from services.console.pages import (
    backend,
    me,
    my_networks,
    network_zone,
    networks_of,
    render,
    session_of,
)
from services.console.streaming import download, relay_upload
from services.console.zones import WallTime, choices, offset_of, wall_time
from shared.bodies import large_body
from shared.i18n import N_, Translator, translator
from shared.mail.message import WRITTEN_PLACEHOLDER
from shared.payloads import SUBSCRIPTION_STATUSES, Campaign, MailingList
from shared.text import form_fields
from shared.validate import parse_id, person_name
from shared.web import frame_options

routes = web.RouteTableDef()
# Members listed on a newsletter's page at most (a search narrows it).
SHOWN = 50

# What `?m=` on a newsletter's page may say was just done (never text shown as it came).
SHOWN_MESSAGES = ("removed", "look")
# The new-list form's inputs a refusal can be shown beside (lists.html).
LIST_INPUTS = {"slug", "name", "from_name", "from_address"}


@routes.get("/lists")
async def lists_page(request: web.Request) -> web.Response:
    """The newsletters of the coordinator's networks, and a form for a new one."""
    data = await backend(request).get("mailing", "/v1/lists")
    return await _lists(request, data["items"], {}, {})


async def _lists(
    request: web.Request,
    lists: list[MailingList],
    values: FormValues,
    errors: dict[str, list[str]],
    status: int = 200,
) -> web.Response:
    networks = [
        n for n in await networks_of(request) if n["slug"] in my_networks(request, "manage_lists")
    ]
    context = {"lists": lists, "networks": networks, "values": values, "errors": errors}
    return render(request, "lists.html", context, status=status)


@routes.post("/lists")
async def create_list(request: web.Request) -> web.Response:
    """A new newsletter for one of the coordinator's networks."""
    form = await form_fields(request)
    lang = text(form, "lang") or "en"
    body = {
        "slug": text(form, "slug"),
        "network": text(form, "network"),
        "lang": lang,
        "names": {lang: text(form, "name")} if text(form, "name") else {},
        "from_name": text(form, "from_name"),
        "from_address": text(form, "from_address"),
    }
    answer = await backend(request).call("mailing", "POST", "/v1/lists", json=body)
    if answer.ok:
        raise web.HTTPSeeOther(f"/lists/{quote(text(form, 'slug'), safe='')}")
    data = await backend(request).get("mailing", "/v1/lists")
    # The API's `names.{lang}` is the form's one `name` (in the list's language).
    errors: dict[str, list[str]] = {}
    for name, said in problems(answer, LIST_INPUTS | {f"name_{lang}"}).items():
        errors.setdefault("name" if name.startswith("name_") else name, []).extend(said)
    # The sender's name shown again by the one name rule: without what no one could see.
    values = typed(form) | {"from_name": person_name(text(form, "from_name"))[0]}
    return await _lists(request, data["items"], values, errors, status=422)


def _slug(request: web.Request) -> str:
    return quote(request.match_info["slug"], safe="")


@routes.get("/lists/{slug}")
async def list_page(request: web.Request) -> web.Response:
    """One newsletter: subscribers by status, a search, import and export, campaigns."""
    return await _list_view(request)


async def _list_view(
    request: web.Request,
    *,
    look: FormValues | None = None,
    errors: dict[str, list[str]] | None = None,
    code: int = 200,
) -> web.Response:
    slug = _slug(request)
    api = backend(request)
    lst = await api.get("mailing", f"/v1/lists/{slug}")
    search = request.query.get("q", "").strip()[:254]
    # Only a status the page offers is passed on; anything else means every status.
    status = request.query.get("status", "")
    status = status if status in SUBSCRIPTION_STATUSES else ""
    after = request.query.get("after", "")[:320]
    found, following = None, None
    if search or status or after:
        # A page at a time, from the address after which it starts (the API's keyset).
        asked = (("q", search), ("status", status), ("after", after), ("limit", str(SHOWN)))
        page = await api.get("mailing", f"/v1/lists/{slug}/members?{urlencode(asked)}")
        found, following = page["items"], page["next"]
    campaigns = (await api.get("mailing", f"/v1/lists/{slug}/campaigns"))["items"]
    return render(
        request,
        "list.html",
        {
            "list": lst,
            "statuses": SUBSCRIPTION_STATUSES,
            "search": search,
            "status": status,
            "found": found,
            "next": (
                "?" + urlencode({"q": search, "status": status, "after": following})
                if following
                else None
            ),
            "message": request.query.get("m", "")
            if request.query.get("m") in SHOWN_MESSAGES
            else "",
            "campaigns": campaigns,
            "look": look
            or {"colour": lst.get("colour") or "", "logo_url": lst.get("logo_url") or ""},
            "errors": errors or {},
        },
        status=code,
    )


@routes.post("/lists/{slug}/look")
async def list_look(request: web.Request) -> web.Response:
    """The newsletter's colour and logo (empty: the default colour, no logo)."""
    form = await form_fields(request)
    slug = _slug(request)
    body = {
        "colour": needed(form, "colour") or None,
        "logo_url": needed(form, "logo_url") or None,
        "revision": revision(form),
    }
    answer = await backend(request).call("mailing", "PATCH", f"/v1/lists/{slug}", json=body)
    if answer.ok:
        raise web.HTTPSeeOther(f"/lists/{slug}?m=look")
    errors = problems(answer, {"colour", "logo_url"})
    return await _list_view(request, look=typed(form), errors=errors, code=422)


@routes.post("/lists/{slug}/import")
@large_body
async def import_subscribers(request: web.Request) -> web.StreamResponse:
    """Send the uploaded CSV to the mailing service; stream its progress to a script if asked."""
    form = await form_fields(request)
    slug = _slug(request)
    # The coordinator's statement of how people without a status in the file consented.
    consent = str(form.get("consent", ""))
    path = f"/v1/lists/{slug}/import?{urlencode({'consent': consent})}"
    return await relay_upload(request, "mailing", path, f"/lists/{slug}")


@routes.get("/lists/{slug}/export.csv")
async def export_subscribers(request: web.Request) -> web.StreamResponse:
    """The mailing service's CSV export, streamed through (`?dialect=excel` for Excel)."""
    slug = _slug(request)
    excel = request.query.get("dialect") == "excel"
    path = f"/v1/lists/{slug}/export.csv" + ("?dialect=excel" if excel else "")
    name = f"{slug}-excel.csv" if excel else f"{slug}.csv"
    return await download(request, "mailing", path, "text/csv; charset=utf-8", name)


@routes.post("/lists/{slug}/campaigns")
async def new_campaign(request: web.Request) -> web.Response:
    """A draft, then its editor."""
    form = await form_fields(request)
    body = {"subject": text(form, "subject") or "…", "body": text(form, "body") or "…"}
    answer = await backend(request).call(
        "mailing", "POST", f"/v1/lists/{_slug(request)}/campaigns", json=body
    )
    if not answer.ok:
        return render(request, "message.html", {"text": answer.refusal}, status=422)
    raise web.HTTPSeeOther(f"/campaigns/{answer.data['id']}")


def _id(request: web.Request) -> int:
    # An id no campaign can have is answered as the mailing service's 404 is: not found.
    found = parse_id(request.match_info["id"])
    if found is None:
        raise NotFound()
    return found


async def _campaign(request: web.Request) -> Campaign:
    found: Campaign = await backend(request).get("mailing", f"/v1/campaigns/{_id(request)}")
    return found


ACTIONS = (
    "save",
    "test",
    "test_me",
    "schedule",
    "schedule_confirm",
    "send",
    "send_confirm",
    "pause",
    "resume",
    "cancel",
    "resend",
)


@routes.get("/campaigns/{id:\\d+}")
async def campaign_page(request: web.Request) -> web.Response:
    """The editor (while a draft), the buttons that apply, the progress and a chart."""
    # `?m=` names what was just done, as one of a fixed set: never text shown as it came.
    done = request.query.get("m", "")
    return await _campaign_view(request, message=done if done in ACTIONS else "")


async def _campaign_view(
    request: web.Request,
    *,
    message: str = "",
    error: str = "",
    status: int = 200,
    typed: Mapping[str, str] | None = None,
    twice: list[tuple[str, str]] | None = None,
) -> web.Response:
    """The campaign's page; after a refusal, what was typed (`typed`) in place of what is saved
    (`twice`: the two readings of a time the clocks pass twice, to choose from)."""
    campaign = await _campaign(request)
    typed = typed or {}
    # A refused save shows the subject and text that were typed, not the last saved ones.
    if "subject" in typed:
        campaign["subject"] = typed["subject"]
    if "body" in typed:
        campaign["body"] = typed["body"]
    chart = None
    zones = await _zones(request, campaign)
    if campaign["status"] != "draft":
        timeline = await backend(request).get(
            "mailing", f"/v1/campaigns/{campaign['id']}/timeline?slices={CHART_BARS}"
        )
        chart = _chart(timeline)
    return render(
        request,
        "campaign.html",
        {
            "c": campaign,
            "shown": shown_progress(campaign["progress"], translator(session_of(request).lang)),
            "me": me(request),
            "chart": chart,
            "zones": zones,
            # The network's own zone comes first: the chart's times are written in it.
            "zone": zones[0],
            "message": message,
            "error": error,
            "typed": typed,
            "twice": twice or [],
            # The one placeholder the mailing service's rule lets a campaign hold.
            "placeholder": WRITTEN_PLACEHOLDER,
        },
        status=status,
    )


async def _zones(request: web.Request, campaign: Campaign) -> list[str]:
    """The schedule picker's zones: the list's network's own first."""
    lst: MailingList = await backend(request).get("mailing", f"/v1/lists/{quote(campaign['list'])}")
    networks = await networks_of(request)
    return choices(
        await network_zone(request, lst["network"]), (n.get("country") for n in networks)
    )


CHART_BARS = 40
CHART_WIDTH = 600
CHART_HEIGHT = 120


class _Timeline(TypedDict):
    """The mailing service's `GET /v1/campaigns/{id}/timeline`: messages sent per slice."""

    first: str | None
    last: str | None
    slices: list[int]


def _chart(timeline: _Timeline) -> dict[str, object] | None:
    """Bars for an SVG chart of deliveries over time, drawn on the server (no script)."""
    counts: list[int] = timeline["slices"]
    if not timeline["first"] or not any(counts):
        return None
    top = max(counts)
    step = CHART_WIDTH / len(counts)
    bars = [
        {
            "x": round(i * step + 1, 1),
            "width": round(step - 2, 1),
            "height": round(CHART_HEIGHT * n / top, 1),
            "y": round(CHART_HEIGHT - CHART_HEIGHT * n / top, 1),
            "count": n,
        }
        for i, n in enumerate(counts)
    ]
    return {
        "bars": bars,
        "total": sum(counts),
        "first": timeline["first"],
        "last": timeline["last"],
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
    }


@routes.get("/campaigns/{id:\\d+}/progress.json")
async def progress(request: web.Request) -> web.Response:
    """For the progress bar's script: status, counts and each figure as shown."""
    campaign = await _campaign(request)
    p = campaign["progress"]
    done = p["sent"] + p["failed"] + p["bounced"] + p["skipped"]
    total = done + p["queued"] + p["sending"]
    body = {
        "status": campaign["status"],
        "percent": round(100 * done / total)
        if total
        else (100 if campaign["status"] == "done" else 0),
        **p,
        "shown": shown_progress(p, translator(session_of(request).lang)),
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


# The message's own HTML, shown as it is: its inline styles and its logo (any https image,
# as in the reader's mail client, over http too: the mail shows them), nothing else; the
# frame's sandbox also forbids scripts, and our Referrer-Policy tells image hosts nothing.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


class _Preview(TypedDict):
    """The mailing service's `GET /v1/campaigns/{id}/preview`: the message's two parts."""

    html: str
    text: str


# The reader the preview shows and every test send addresses: one reader for both, so a
# test send delivers the very message the preview showed (`{name}` filled alike).
READER = "Ieva"


async def _preview(request: web.Request) -> _Preview:
    """The mailing service's build of the message a test send delivers, for `READER`."""
    found: _Preview = await backend(request).get(
        "mailing", f"/v1/campaigns/{_id(request)}/preview?{urlencode({'name': READER})}"
    )
    return found


@routes.get("/campaigns/{id:\\d+}/preview")
async def preview(request: web.Request) -> web.Response:
    """The HTML part exactly as the message carries it, for the preview frame."""
    html = (await _preview(request))["html"]
    headers = {"Content-Security-Policy": PREVIEW_CSP, "Cache-Control": "no-store"}
    return web.Response(
        text=html,
        content_type="text/html",
        charset="utf-8",
        headers=headers | frame_options("'self'"),
    )


@routes.get("/campaigns/{id:\\d+}/preview.txt")
async def preview_text(request: web.Request) -> web.Response:
    """The plain-text part exactly as the message carries it."""
    text = (await _preview(request))["text"]
    headers = {"Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-store"}
    return web.Response(text=text, content_type="text/plain", charset="utf-8", headers=headers)


async def _confirm(
    request: web.Request, when: dict[str, str], found: dict[str, object]
) -> web.Response:
    """The confirmation page: the list, whom it goes to (after suppression) and when."""
    campaign = await _campaign(request)
    lst: MailingList = await backend(request).get("mailing", f"/v1/lists/{quote(campaign['list'])}")
    lang = session_of(request).lang
    context = {
        "c": campaign,
        "list_name": lst["names"].get(lang) or lst["name"] or lst["slug"],
        "when": when,
        "found": found,
        "which": _which(translator(lang), when),
    }
    return render(request, "send_confirm.html", context)


def _twice_labels(tr: Translator, found: WallTime, time: str) -> list[tuple[str, str]]:
    """The two readings of a time the clocks pass twice, as choices: offset and words."""
    first, second = (offset_of(i) for i in found.instants)
    return [
        (
            first,
            tr.gettext(
                "The first %(time)s (UTC%(offset)s), before the clocks go back",
                time=time,
                offset=first,
            ),
        ),
        (
            second,
            tr.gettext(
                "The second %(time)s (UTC%(offset)s), an hour later, after the clocks go back",
                time=time,
                offset=second,
            ),
        ),
    ]


def _which(tr: Translator, when: Mapping[str, str]) -> str:
    """Of a time the clocks pass twice, the one chosen, in words ("" for any other time)."""
    at, zone = when.get("at", ""), when.get("zone", "")
    date, time, offset = at[:10], at[11:16], at[16:]
    found = wall_time(date, time, zone) if offset else None
    if found is None or len(found.instants) != 2:
        return ""
    return dict(_twice_labels(tr, found, time)).get(offset, "")


async def _schedule_time(request: web.Request, form: Form) -> dict[str, str] | web.Response:
    """The schedule form's time for the mailing service (`at`, `zone`), or the campaign's page
    again saying, in a person's words, what to fix: no date or time, a time the clocks skip,
    or one they pass twice (then: which one, asked with a choice of the two)."""
    tr = translator(session_of(request).lang)
    date, time, zone = text(form, "date"), text(form, "time"), text(form, "zone")
    kept = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    if not date or not time:
        error = tr.gettext("Choose the date and the time for sending it.")
        return await _campaign_view(request, error=error, status=422, typed=kept)
    found = wall_time(date, time, zone)
    at = f"{date}T{time}"
    if found is not None and found.later is not None:
        error = tr.gettext(
            "There is no %(time)s on %(date)s in %(zone)s: the clocks go forward an hour then. "
            "Choose another time, such as %(later)s.",
            time=time,
            date=tr.date(found.later.date(), "long"),
            zone=zone,
            later=found.later.strftime("%H:%M"),
        )
        return await _campaign_view(request, error=error, status=422, typed=kept)
    if found is not None and len(found.instants) == 2:
        twice = _twice_labels(tr, found, time)
        chosen = text(form, "offset")
        if chosen not in {offset for offset, _ in twice}:
            error = tr.gettext(
                "%(time)s happens twice on %(date)s in %(zone)s: the clocks go back an hour "
                "then. Choose which one.",
                time=time,
                date=tr.date(found.instants[0].date(), "long"),
                zone=zone,
            )
            return await _campaign_view(request, error=error, status=422, typed=kept, twice=twice)
        at += chosen
    return {"at": at, "zone": zone}


@routes.post("/campaigns/{id:\\d+}")
async def campaign_action(request: web.Request) -> web.Response:
    """Save, test, send, schedule, pause, resume or cancel, as the button pressed says."""
    form = await form_fields(request)
    action = text(form, "action")
    campaign_id = _id(request)
    api = backend(request)
    path = f"/v1/campaigns/{campaign_id}"
    if action == "save":
        body = {"subject": text(form, "subject"), "body": str(form.get("body", ""))}
        answer = await api.call("mailing", "PATCH", path, json=body)
    elif action in ("test", "test_me"):
        addresses = (
            [me(request)["email"]]
            if action == "test_me"
            else [a.strip() for a in text(form, "addresses").split(",") if a.strip()]
        )
        answer = await api.call(
            "mailing", "POST", f"{path}/test", json={"addresses": addresses, "name": READER}
        )
    elif action in ("send", "schedule"):
        # Nothing goes before the coordinator has seen whom to, and when: a page to confirm.
        when: dict[str, str] = {}
        if action == "schedule":
            asked = await _schedule_time(request, form)
            if isinstance(asked, web.Response):
                return asked
            when = asked
        answer = await api.call("mailing", "POST", f"{path}/send", json=when | {"check": True})
        if answer.ok:
            return await _confirm(request, when, answer.data)
    elif action == "schedule_confirm":
        when = {"at": text(form, "at"), "zone": text(form, "zone")}
        answer = await api.call("mailing", "POST", f"{path}/send", json=when)
    elif action == "send_confirm":
        answer = await api.call("mailing", "POST", f"{path}/send")
    elif action in ("pause", "resume", "cancel", "resend"):
        answer = await api.call("mailing", "POST", f"{path}/{action}")
    else:
        raise web.HTTPBadRequest(text=N_("This action is unknown."))
    if request.headers.get("X-Requested-With") == "console":
        # The editor's autosave shows the refusal beside the text (console.js reads it).
        return web.json_response(
            {"ok": answer.ok, "detail": "" if answer.ok else answer.reasons},
            status=200 if answer.ok else answer.refusal_status,
        )
    if answer.ok:
        done = {"test_me": "test", "send_confirm": "send"}.get(action, action)
        raise web.HTTPSeeOther(f"/campaigns/{campaign_id}?{urlencode({'m': done})}")
    # A refusal is shown on the page answering the form, not carried in a link.
    shown = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    return await _campaign_view(
        request, error=answer.reasons or action, status=answer.refusal_status, typed=shown
    )
