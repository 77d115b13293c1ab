"""Contacts: list, search and filter; create, edit, unpublish and reorder; import and export."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict
from urllib.parse import parse_qs, quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web

from services.console.backend import Answer, Forbidden
from services.console.contact_order import moved
from services.console.forms import (
    ContactBody,
    Form,
    FormValues,
    chosen_of,
    contact_body,
    contact_form,
    marked_rows,
    problems,
    revision,
    shown_names,
    text,
    typed,
)
from services.console.organisation_names import all_organisations, chosen_organisation
from services.console.pages import (
    HOME,
    backend,
    csrf_ok,
    editable,
    editable_networks,
    my_networks,
    network_zone,
    networks_of,
    render,
    session_of,
    subtree,
)
from services.console.streaming import UPLOAD_TIMEOUT, download, read_upload, stream_progress
from shared.bodies import large_body
from shared.i18n import LANGUAGES, translator
from shared.payloads import Contact, DeletedContacts, Network
from shared.progress import wants_progress
from shared.redirects import local_path
from shared.text import form_fields
from shared.validate import parse_id

routes = web.RouteTableDef()


class _Restorable(TypedDict):
    """A deleted contact on the list page: an Undo offered until `until` (a time shown)."""

    id: int
    display_name: str
    until: str


# How long the directory keeps a deleted contact restorable (its RESTORE_SECONDS), shown.
RESTORE_MINUTES = 15
# Contacts on one page of the list (the directory's largest page); `after` pages on.
PAGE_SIZE = 200


async def _chosen(request: web.Request) -> tuple[str, list[Network]]:
    networks = await networks_of(request)
    mine = editable(request) or my_networks(request)
    if not mine:
        raise Forbidden()
    chosen = request.query.get("network") or mine[0]
    if chosen not in mine:
        raise Forbidden()
    return chosen, networks


@routes.get("/contacts")
async def contacts_page(request: web.Request) -> web.Response:
    """The coordinator's contacts, searchable and filtered by member network."""
    chosen, networks = await _chosen(request)
    lang = session_of(request).lang
    query = {"lang": lang, "limit": str(PAGE_SIZE), "include_unpublished": "true"}
    search = request.query.get("q", "").strip()[:100]
    member = request.query.get("member", "")
    members = subtree(networks, chosen)
    shown = {"network": chosen}
    if search:
        query["q"] = shown["q"] = search
    if member and member in {m["slug"] for m in members} and member != chosen:
        query["member"] = shown["member"] = member
    after = request.query.get("after", "")
    if after:
        query["after"] = after  # the directory's own cursor (keyset paging); it checks it
    data = await backend(request).get(
        "directory", f"/v1/networks/{chosen}/contacts?{urlencode(query)}"
    )
    mine = editable(request) or my_networks(request)
    next_after = _cursor(data.get("next"))
    # What an Undo can still bring back, as the directory says now: `?deleted=` only says
    # which of them was just deleted, and shows nothing for a contact that is not one.
    restorable = await _restorable(request, chosen)
    just = parse_id(request.query.get("deleted", ""))
    just_deleted = next((d for d in restorable if d["id"] == just), None)
    return render(
        request,
        "contacts.html",
        {
            "contacts": data["items"],
            # More contacts follow the ones shown: the last row can still move down.
            "more": bool(data.get("next")),
            # This page (where a row's buttons come back to), the first and the next one.
            "here": f"/contacts?{urlencode(shown | ({'after': after} if after else {}))}",
            "first_page": f"/contacts?{urlencode(shown)}" if after else "",
            "next_page": f"/contacts?{urlencode(shown | {'after': next_after})}"
            if next_after
            else "",
            "chosen": chosen,
            "mine": [n for n in networks if n["slug"] in mine],
            "members": members,
            "member": member,
            "search": search,
            "saved": request.query.get("saved") == "1",
            "order_changed": request.query.get("moved") == "0",
            # Just deleted (offered an undo), the others still restorable, or the undo's outcome.
            "deleted": just_deleted,
            "restorable": [d for d in restorable if d is not just_deleted],
            "restored": request.query.get("restored", ""),
        },
    )


async def _restorable(request: web.Request, network: str) -> list[_Restorable]:
    """The network's deleted contacts an Undo can restore, each with until when (its time)."""
    answer = await backend(request).call(
        "directory", "GET", f"/v1/networks/{quote(network, safe='')}/deleted", strict=False
    )
    if not answer.ok:
        return []  # a coordinator who only reads this network deletes nothing in it
    found: DeletedContacts = answer.data
    tr = translator(session_of(request).lang)
    tz = ZoneInfo(await network_zone(request, network))
    return [
        {
            "id": d["id"],
            "display_name": d["display_name"],
            "until": tr.time(datetime.fromisoformat(d["restore_until"]).astimezone(tz)),
        }
        for d in found["items"]
    ]


def _cursor(next_url: object) -> str:
    """The `after` cursor of the directory's `next` link ("" on the last page)."""
    if not isinstance(next_url, str):
        return ""
    return parse_qs(urlsplit(next_url).query).get("after", [""])[0]


async def _contact(request: web.Request, contact_id: str) -> Contact:
    lang = session_of(request).lang
    found: Contact = await backend(request).get(
        "directory", f"/v1/contacts/{contact_id}?lang={lang}"
    )
    return found


async def _editor(
    request: web.Request,
    networks: list[Network],
    contact: Contact | None,
    values: FormValues,
    chosen_networks: list[str],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
    marked: dict[str, list[int]] | None = None,
) -> web.Response:
    return render(
        request,
        "contact_form.html",
        {
            "contact": contact,
            "values": values,
            "networks": editable_networks(request, networks),
            "organisations": await all_organisations(request),
            "chosen_networks": chosen_networks,
            "errors": errors or {},
            # The rows of phones and links a refusal names (1-based), marked invalid.
            "marked": marked or {},
            "request_saved": request.query.get("saved") == "1",
        },
        status=status,
    )


async def _body(request: web.Request, form: Form) -> ContactBody:
    """The contact's JSON; an organisation typed by its name in any language becomes its slug."""
    body = contact_body(form)
    if body["organisation"]:
        body["organisation"] = chosen_organisation(
            body["organisation"], await all_organisations(request)
        )
    return body


@routes.get("/contacts/new")
async def new_contact(request: web.Request) -> web.Response:
    """An empty contact form."""
    chosen, networks = await _chosen(request)
    return await _editor(request, networks, None, contact_form(None), [chosen])


@routes.post("/contacts/new")
async def create_contact(request: web.Request) -> web.Response:
    """Create the contact; on a bad field, the form again with what was typed."""
    form = await form_fields(request)
    body = await _body(request, form)
    answer = await backend(request).call("directory", "POST", "/v1/contacts", json=body)
    if answer.ok:
        raise web.HTTPSeeOther(f"/contacts/{answer.data['id']}?saved=1")
    return await _refused(request, form, answer, None, chosen_of(body))


# The contact form's inputs a refusal can be shown beside (contact_form.html).
CONTACT_INPUTS = {
    "given_name",
    "family_name",
    "display_name",
    "organisation",
    "phones",
    "emails",
    "links",
    "networks",
    *(f"title_{lang}" for lang in LANGUAGES),
}


async def _refused(
    request: web.Request,
    form: Form,
    answer: Answer,
    contact: Contact | None,
    chosen: list[str],
) -> web.Response:
    """The form again, as typed, with the directory's reasons beside the fields."""
    errors = problems(answer, CONTACT_INPUTS)
    written = text(form, "organisation")
    if "organisation" in errors and written not in {
        o["slug"] for o in await all_organisations(request)
    }:
        # Typed as a name that is no organisation's: say so, not how a slug is spelt.
        tr = translator(session_of(request).lang)
        errors["organisation"] = [
            tr.gettext(
                "No organisation is called “%(name)s”. Choose one from the list, or add it "
                "on the Organisations page first.",
                name=written,
            )
        ]
    values = shown_names(typed(form))
    rows = {"phones": _rows_of(values, "phones"), "links": _rows_of(values, "links")}
    return await _editor(
        request,
        await networks_of(request),
        contact,
        values,
        chosen,
        errors,
        status=422,
        marked=marked_rows(answer, rows),
    )


def _rows_of(values: FormValues, name: str) -> list[tuple[str, str]]:
    found = values.get(name)
    return found if isinstance(found, list) else []


@routes.get("/contacts/{id:\\d+}")
async def edit_contact(request: web.Request) -> web.Response:
    """The contact's form, for a contact of the coordinator's own networks only."""
    contact = await _contact(request, request.match_info["id"])
    networks = await networks_of(request)
    chosen = [n["network"] for n in contact["networks"]]
    if not {n["slug"] for n in editable_networks(request, networks)} & set(chosen):
        raise Forbidden()
    return await _editor(request, networks, contact, contact_form(contact), chosen)


@routes.post("/contacts/{id:\\d+}")
async def save_contact(request: web.Request) -> web.Response:
    """Save the contact (409 when someone else saved it first: the form says so)."""
    form = await form_fields(request)
    body = await _body(request, form)
    body["revision"] = revision(form)
    contact_id = request.match_info["id"]
    answer = await backend(request).call(
        "directory", "PATCH", f"/v1/contacts/{contact_id}", json=body
    )
    if answer.ok:
        raise web.HTTPSeeOther(f"/contacts/{contact_id}?saved=1")
    contact = await _contact(request, contact_id)
    return await _refused(request, form, answer, contact, chosen_of(body))


@routes.get("/contacts/{id:\\d+}/delete")
async def delete_page(request: web.Request) -> web.Response:
    """Ask first: what deleting does, and for how long it can be undone."""
    contact = await _contact(request, request.match_info["id"])
    back = local_path(request.query.get("back"), HOME)
    context = {"contact": contact, "back": back, "minutes": RESTORE_MINUTES}
    return render(request, "contact_delete.html", context)


@routes.post("/contacts/{id:\\d+}/delete")
async def delete(request: web.Request) -> web.Response:
    """Delete (the directory keeps it restorable); the list then offers Undo."""
    form = await form_fields(request)
    contact_id = request.match_info["id"]
    headers = {"If-Match": f'"{revision(form)}"'}
    await backend(request).call(
        "directory", "DELETE", f"/v1/contacts/{contact_id}", headers=headers
    )
    back = local_path(form.get("back"), HOME)
    raise web.HTTPSeeOther(back + ("&" if "?" in back else "?") + f"deleted={contact_id}")


@routes.post("/contacts/{id:\\d+}/restore")
async def restore(request: web.Request) -> web.Response:
    """Undo a deletion while the directory still can."""
    form = await form_fields(request)
    contact_id = request.match_info["id"]
    answer = await backend(request).call(
        "directory", "POST", f"/v1/contacts/{contact_id}/restore", strict=False
    )
    back = local_path(form.get("back"), HOME)
    outcome = "restored=1" if answer.ok else "restored=0"
    if not answer.ok:
        # Nothing to restore: it may already be back (an Undo pressed twice, or in another
        # tab), which is not "gone for good".
        there = await backend(request).call(
            "directory", "GET", f"/v1/contacts/{contact_id}", strict=False
        )
        outcome = "restored=already" if there.ok else outcome
    raise web.HTTPSeeOther(back + ("&" if "?" in back else "?") + outcome)


@routes.post("/contacts/{id:\\d+}/published")
async def set_published(request: web.Request) -> web.Response:
    """Publish or unpublish from the list."""
    form = await form_fields(request)
    contact = await _contact(request, request.match_info["id"])
    body = {"published": form.get("published") == "true", "revision": contact["revision"]}
    await backend(request).call("directory", "PATCH", f"/v1/contacts/{contact['id']}", json=body)
    raise web.HTTPSeeOther(local_path(form.get("back"), HOME))


@routes.post("/contacts/{id:\\d+}/move")
async def move(request: web.Request) -> web.Response:
    """Move a contact in its network's whole order, as one `PUT …/order` (buttons or drag)."""
    form = await form_fields(request)
    network = quote(text(form, "network"), safe="")
    api = backend(request)
    current = await api.get("directory", f"/v1/networks/{network}/order")
    contact_id = parse_id(request.match_info["id"])
    order = None if contact_id is None else moved(current["ids"], contact_id, form)
    ok = True
    if order is not None:
        answer = await api.call(
            "directory",
            "PUT",
            f"/v1/networks/{network}/order",
            json={"ids": order},
            headers={"If-Match": f'"{current["revision"]}"'},
        )
        ok = answer.ok
    if request.headers.get("X-Requested-With") == "console":
        return web.json_response({"ok": ok})
    back = local_path(form.get("back"), f"/contacts?network={network}")
    if not ok:
        back += ("&" if "?" in back else "?") + "moved=0"
    raise web.HTTPSeeOther(back)


@routes.get("/contacts/import")
async def import_form(request: web.Request) -> web.Response:
    """Upload a CSV or vCard file into one of the coordinator's networks."""
    chosen, networks = await _chosen(request)
    mine = editable(request)
    return render(
        request,
        "contacts_import.html",
        {"chosen": chosen, "networks": [n for n in networks if n["slug"] in mine]},
    )


# The upload is streamed to the directory as it arrives (never held whole here): the form is
# read part by part, and its CSRF token, the first field, is checked before the file.
STREAMED = "/contacts/import"
FORMATS = {".csv": "text/csv", ".json": "application/json"}


@routes.post(STREAMED)
@large_body
async def import_file(request: web.Request) -> web.StreamResponse:
    """Send the file to the directory (`?dry_run=true`: only check it); show its report."""
    upload = await read_upload(request)
    if not csrf_ok(request, upload.fields.get("csrf", "")):
        return render(request, "message.html", {"message_key": "csrf"}, status=403)
    if upload.part is None:
        raise web.HTTPSeeOther("/contacts/import")
    suffix = upload.filename.lower().rpartition(".")[2]
    content_type = FORMATS.get(f".{suffix}", "text/vcard")
    if upload.content_type in FORMATS.values():
        content_type = upload.content_type
    # No `lang`: a title the file says no language of is the network's default language's
    # (the coordinator's language is the console's, not the file's).
    query = {"network": upload.fields.get("network", "")}
    if request.query.get("dry_run") == "true":
        query["dry_run"] = "true"
    path = f"/v1/contacts/import?{urlencode(query)}"
    if wants_progress(request):
        return await stream_progress(request, "directory", path, upload.chunks(), content_type)
    answer = await backend(request).call(
        "directory",
        "POST",
        path,
        data=upload.chunks(),
        headers={"Content-Type": content_type},
        client_timeout=UPLOAD_TIMEOUT,
    )
    return render(
        request,
        "import_report.html",
        {
            "report": answer.data if answer.ok else None,
            "error": None if answer.ok else answer.refusal,
            "back": "/contacts/import",
        },
        status=200 if answer.ok else 422,
    )


@routes.get("/contacts/export.csv")
async def export_csv(request: web.Request) -> web.StreamResponse:
    """The network's contacts as CSV, addresses included."""
    chosen, _ = await _chosen(request)
    path = f"/v1/networks/{chosen}/contacts.csv"
    return await download(
        request, "directory", path, "text/csv; charset=utf-8", f"{chosen}-contacts.csv"
    )


@routes.get("/contacts/export.vcf")
async def export_vcf(request: web.Request) -> web.StreamResponse:
    """The network's contacts as one vCard file, from the vcard service."""
    chosen, _ = await _chosen(request)
    lang = session_of(request).lang
    path = f"/v1/networks/{chosen}.vcf?lang={lang}"
    return await download(request, "vcard", path, "text/vcard; charset=utf-8", f"{chosen}.vcf")
