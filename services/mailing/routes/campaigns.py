"""Campaigns: write, preview, test-send, send now or later, pause, resume, cancel, progress."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from collections.abc import Mapping
from datetime import UTC
from email.message import EmailMessage

import asyncpg
from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing.access import require
from services.mailing.campaign_states import (
    MOVES,
    Action,
    check_resendable,
    check_sendable,
    moved,
)
from services.mailing.compose import CampaignTemplate, check_links, check_placeholders
from services.mailing.keys import POOL, QUERIES, SETTINGS
from services.mailing.mailinglist import managed_list
from services.mailing.schedule import instant
from services.mailing.terms import TERMS
from shared.addresses import normalize_address
from shared.errors import Conflict, NotFound, ValidationFailed, read_object
from shared.i18n import word
from shared.identity import identify
from shared.mail.message import Capabilities
from shared.payloads import Campaign, CampaignProgress
from shared.validate import Fields, path_id, person_name, whole_number

routes = web.RouteTableDef()
log = logging.getLogger("kontakt.mailing.campaigns")


def _content(
    body: Mapping[str, object], current: Mapping[str, object] | None = None
) -> tuple[str, str]:
    f = Fields({**(current or {}), **body})
    f.unknown({"subject", "body", "revision"})
    subject = f.text("subject", required=True, max_length=300)
    text = f.data.get("body")
    if not isinstance(text, str) or not text.strip():
        f.fail("body", "is required (Markdown)")
    elif len(text) > 200_000:
        f.fail("body", "must be at most 200,000 characters")
    check_placeholders(f, subject, text if isinstance(text, str) else None)
    check_links(f, text if isinstance(text, str) else None)
    f.done()
    assert subject is not None
    return subject, str(text)


async def _campaign(request: web.Request) -> asyncpg.Record:
    campaign = path_id(request, "campaign")
    async with request.app[POOL].acquire() as conn:
        row: asyncpg.Record | None = await conn.fetchrow(
            request.app[QUERIES]["get-campaign"], campaign
        )
    if row is None:
        raise NotFound("No campaign %(campaign)s.", values={"campaign": campaign})
    return row


async def _campaign_json(request: web.Request, row: asyncpg.Record) -> Campaign:
    """A campaign with its delivery counts, rate and estimated time left.

    A row of list-campaigns brings its progress along (as JSON); another row has it read here.
    """
    counts = row.get("progress")
    if counts is None:
        async with request.app[POOL].acquire() as conn:
            counts = await conn.fetchrow(request.app[QUERIES]["campaign-progress"], row["id"])
    assert counts is not None
    left = counts["queued"] + counts["sending"]
    rate = float(counts["rate"] or 0)
    progress: CampaignProgress = {
        "queued": counts["queued"],
        "sending": counts["sending"],
        "sent": counts["sent"],
        "failed": counts["failed"],
        "bounced": counts["bounced"],
        "skipped": counts["skipped"],
        "per_second": round(rate, 2),
        "eta_seconds": round(left / rate) if rate and left else None,
    }
    return {
        "id": row["id"],
        "list": row["list_slug"],
        "subject": row["subject"],
        "body": row["body"],
        "status": row["status"],
        "paused_reason": row["paused_reason"],
        "scheduled_at": row["scheduled_at"].isoformat() if row["scheduled_at"] else None,
        "started_at": row["started_at"].isoformat() if row["started_at"] else None,
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "revision": row["revision"],
        "progress": progress,
    }


@routes.post("/v1/lists/{slug}/campaigns")
async def create(request: web.Request) -> web.Response:
    """A draft campaign (needs `manage_lists` on the list's network)."""
    _, lst = await managed_list(request)
    subject, body = _content(await read_object(request))
    async with request.app[POOL].acquire() as conn:
        campaign_id = await conn.fetchval(
            request.app[QUERIES]["insert-campaign"], lst["id"], subject, body
        )
        row = await conn.fetchrow(request.app[QUERIES]["get-campaign"], campaign_id)
    assert row is not None
    return web.json_response(await _campaign_json(request, row), status=201)


@routes.get("/v1/lists/{slug}/campaigns")
async def list_campaigns(request: web.Request) -> web.Response:
    """A list's campaigns with their progress, newest first."""
    _, lst = await managed_list(request)
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(request.app[QUERIES]["list-campaigns"], lst["id"])
    items = [await _campaign_json(request, row) for row in rows]
    return web.json_response({"items": items})


@routes.get("/v1/campaigns/{id}")
async def get(request: web.Request) -> web.Response:
    """A campaign and its progress: counts, rate, ETA."""
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "manage_lists", row["network"])
    return web.json_response(await _campaign_json(request, row))


@routes.get("/v1/campaigns/{id}/timeline")
async def timeline(request: web.Request) -> web.Response:
    """Messages sent over time, in `?slices=` (40) equal parts of the sending time."""
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "manage_lists", row["network"])
    f = Fields(dict(request.query))
    slices = f.whole("slices", low=1, high=500, default=40)
    f.done()
    assert slices is not None
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(request.app[QUERIES]["campaign-timeline"], row["id"], slices)
    if not rows:
        return web.json_response({"first": None, "last": None, "slices": [0] * slices})
    counts = [0] * slices
    for r in rows:
        counts[min(max(r["slice"], 1), slices) - 1] += r["sent"]
    body = {
        "first": rows[0]["first"].isoformat(),
        "last": rows[0]["last"].isoformat(),
        "slices": counts,
    }
    return web.json_response(body)


@routes.patch("/v1/campaigns/{id}")
async def patch(request: web.Request) -> web.Response:
    """Change a draft's subject or body."""
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "manage_lists", row["network"])
    given = await read_object(request)
    subject, body = _content(given, {"subject": row["subject"], "body": row["body"]})
    expected = whole_number(given.get("revision"))
    async with request.app[POOL].acquire() as conn:
        written = await conn.fetchval(
            request.app[QUERIES]["update-campaign"],
            row["id"],
            subject if "subject" in given else None,
            body if "body" in given else None,
            expected,
        )
    if written is None:
        now = await _campaign(request)
        if now["status"] != "draft":
            raise Conflict(
                "Only a draft can be changed; this campaign is %(status)s.",
                values={"status": word(TERMS["campaign_status"], now["status"])},
            )
        raise Conflict("The campaign changed since you read it.", revision=now["revision"])
    return web.json_response(await _campaign_json(request, await _campaign(request)))


@routes.get("/v1/campaigns/{id}/preview")
async def preview(request: web.Request) -> web.Response:
    """The message a test send delivers, built by the same builder: subject, text and HTML
    parts as sent (`?name=` fills `{name}`; links carry a recipient id of 0, as a test's do).
    """
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "manage_lists", row["network"])
    template = CampaignTemplate(request.app[SETTINGS], row, row["list_lang"])
    # The reader the preview is for, by the same name rule as a subscriber's.
    name, refused = person_name(request.query.get("name", ""))
    if refused is not None:
        raise ValidationFailed([refused])
    # Rendering signs (DKIM: RSA, and the key's first read): in a thread, off the event loop.
    sent = await asyncio.to_thread(
        template.render_test,
        row["from_address"],
        name,
        Capabilities(smtputf8=True, eightbitmime=True),
    )
    message = email.message_from_bytes(sent.data, policy=email.policy.SMTPUTF8)
    assert isinstance(message, EmailMessage)
    parts = {kind: message.get_body((kind,)) for kind in ("plain", "html")}
    text, html = (str(part.get_content()) if part else "" for part in parts.values())
    return web.json_response({"subject": str(message["Subject"]), "text": text, "html": html})


@routes.post("/v1/campaigns/{id}/test")
async def test_send(request: web.Request) -> web.Response:
    """Queue the campaign for a few given addresses, sent by the outbox (needs `send_campaigns`)."""
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "send_campaigns", row["network"])
    body = await read_object(request)
    f = Fields(body)
    f.unknown({"addresses", "name"})
    # The reader the preview showed (`?name=`), so the test is the mail the preview was.
    name = f.name("name", default="") or ""
    addresses = []
    for index, raw in enumerate(f.items("addresses", max_items=10)):
        try:
            addresses.append(normalize_address(str(raw)))
        except EmailNotValidError as exc:
            f.refused_address(f"addresses[{index}]", exc)
    if not addresses and not f.errors:
        f.fail("addresses", "needs at least one address")
    f.done()
    # The outbox sends them as the worker would (template, DKIM), the subject marked.
    async with request.app[POOL].acquire() as conn:
        await conn.execute(
            request.app[QUERIES]["queue-test-send"], row["id"], addresses, row["list_lang"], name
        )
    return web.json_response({"queued": addresses}, status=202)


@routes.post("/v1/campaigns/{id}/send")
async def send_campaign(request: web.Request) -> web.Response:
    """Send now, or at a time: `{"at": "2026-12-01T09:00[Europe/Riga]"}` or `at` + `zone`.

    A time in the past is refused (422 naming `at`); `"check": true` only answers what the
    coordinator confirms, sending nothing: the instant (UTC and in the zone given, null for
    now), the number of recipients (confirmed, not suppressed) and of confirmed subscribers
    left out as suppressed. Needs `send_campaigns`.
    """
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "send_campaigns", row["network"])
    body = await read_object(request) if request.can_read_body else {}
    f = Fields(body)
    f.unknown({"at", "zone", "check"})
    f.done()
    at = instant(body["at"], body.get("zone")) if body.get("at") is not None else None
    if body.get("check"):
        # What the coordinator confirms: whom it goes to now, and when (UTC and as written).
        async with request.app[POOL].acquire() as conn:
            counts = await conn.fetchrow(request.app[QUERIES]["count-recipients"], row["list_id"])
        assert counts is not None
        return web.json_response(
            {
                "at": at.astimezone(UTC).isoformat() if at else None,
                "local": at.isoformat() if at else None,
                "recipients": counts["recipients"],
                "suppressed": counts["confirmed"] - counts["recipients"],
            }
        )
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        locked = await conn.fetchrow(q["lock-campaign"], row["id"])
        assert locked is not None
        check_sendable(locked["status"])
        if at is not None:
            await conn.execute(q["set-campaign-status"], row["id"], "scheduled", at)
            event = "scheduled"
        else:
            # Status and recipients in one statement, as a scheduled start does.
            await conn.execute(q["start-campaigns"], row["id"])
            event = "started"  # a scheduled one is started (and logged) by the worker
    log.info("campaign %s", event, extra={"campaign": row["id"], "account": caller.account_id})
    return web.json_response(await _campaign_json(request, await _campaign(request)), status=202)


async def _move(request: web.Request, action: Action) -> web.Response:
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "send_campaigns", row["network"])
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        locked = await conn.fetchrow(q["lock-campaign"], row["id"])
        assert locked is not None
        target = moved(
            action,
            locked["status"],
            started=locked["started_at"] is not None,
            scheduled=locked["scheduled_at"] is not None,
        )
        await conn.execute(q["set-campaign-status"], row["id"], target, None)
    # Start and finish are logged by the worker; the coordinators' moves here.
    log.info(
        "campaign %s",
        MOVES[action].logged,
        extra={"campaign": row["id"], "account": caller.account_id},
    )
    return web.json_response(await _campaign_json(request, await _campaign(request)))


@routes.post("/v1/campaigns/{id}/resend")
async def resend(request: web.Request) -> web.Response:
    """Send again to the recipients whose delivery failed, and only them (cause fixed)."""
    caller = await identify(request)
    row = await _campaign(request)
    require(caller, "send_campaigns", row["network"])
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        locked = await conn.fetchrow(q["lock-campaign"], row["id"])
        assert locked is not None
        check_resendable(locked["status"])
        again = await conn.fetchval(q["requeue-failed"], row["id"])
        if not again:
            raise Conflict("No delivery of this campaign failed.")
        if locked["status"] == "done":
            await conn.execute(q["set-campaign-status"], row["id"], "sending", None)
    return web.json_response(await _campaign_json(request, await _campaign(request)), status=202)


@routes.post("/v1/campaigns/{id}/pause")
async def pause(request: web.Request) -> web.Response:
    """Stop handing out work; what is in flight finishes."""
    return await _move(request, "pause")


@routes.post("/v1/campaigns/{id}/resume")
async def resume(request: web.Request) -> web.Response:
    """Carry on where it paused."""
    return await _move(request, "resume")


@routes.post("/v1/campaigns/{id}/cancel")
async def cancel(request: web.Request) -> web.Response:
    """Send nothing more."""
    return await _move(request, "cancel")
