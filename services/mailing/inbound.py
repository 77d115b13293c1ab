"""Mail that comes back: delivery reports (RFC 3464), complaints (ARF, RFC 5965), unsubscribes.

The MTA hands each message for `bounces+TOKEN@…` or `unsubscribe+TOKEN@…` to
`POST /v1/inbound?to=<envelope recipient>` with the service credential.
"""

from __future__ import annotations

import email
import email.policy
import hmac
from email.message import EmailMessage, Message

from aiohttp import web

from services.mailing.compose import read_verp
from services.mailing.keys import POOL, QUERIES, SETTINGS
from shared.errors import FieldError, Unauthenticated, ValidationFailed

routes = web.RouteTableDef()


def _require_service(request: web.Request) -> None:
    expected = request.app[SETTINGS].service_token
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(given.strip(), expected)
    ):
        raise Unauthenticated("Inbound mail is accepted only with the service credential.")


def classify(report: Message) -> str:
    """complaint, hard, soft or unknown, from the report's structure."""
    if report.get_content_type() == "multipart/report":
        kind = str(report.get_param("report-type") or "").lower()
        if kind == "feedback-report":
            return "complaint"
        if kind == "delivery-status":
            for part in report.walk():
                if part.get_content_type() != "message/delivery-status":
                    continue
                for block in _status_blocks(part):
                    status = block.get("Status", "").strip()
                    action = block.get("Action", "").strip().lower()
                    if status.startswith("5") or (
                        action == "failed" and not status.startswith("4")
                    ):
                        return "hard"
                    if status.startswith("4") or action == "delayed":
                        return "soft"
    return "unknown"


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    # Some parsers leave the fields as text: read them as header blocks.
    text = payload if isinstance(payload, str) else ""
    return [email.message_from_string(block) for block in text.split("\n\n") if block.strip()]


@routes.post("/v1/inbound")
async def inbound(request: web.Request) -> web.Response:
    """Handle one returned message; answers what was done (ignored when it is not ours)."""
    _require_service(request)
    # An unencoded "+" in a query string arrives as a space; addresses never contain one.
    recipient = request.query.get("to", "").replace(" ", "+")
    local = recipient.partition("@")[0]
    purpose, _, token = local.partition("+")
    if purpose not in {"bounces", "unsubscribe"} or not token:
        raise ValidationFailed([FieldError("to", "must be a bounces+… or unsubscribe+… address")])
    settings = request.app[SETTINGS]
    found = read_verp(settings, token)
    if found is None:
        return web.json_response({"action": "ignored", "reason": "not a token of ours"})
    campaign_id, subscriber_id = found
    raw = await request.read()
    report = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(report, EmailMessage)
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        list_id = await conn.fetchval(q["campaign-list"], campaign_id)
        if list_id is None:
            return web.json_response({"action": "ignored", "reason": "unknown campaign"})
        if purpose == "unsubscribe":
            await conn.execute(q["unsubscribe"], list_id, subscriber_id)
            return web.json_response({"action": "unsubscribed"})
        kind = classify(report)
        if kind == "complaint":
            await conn.execute(q["complaint"], list_id, subscriber_id)
        elif kind == "hard":
            await conn.execute(q["hard-bounce"], campaign_id, subscriber_id, list_id)
        elif kind == "soft":
            await conn.execute(q["soft-bounce"], list_id, subscriber_id, settings.soft_bounce_limit)
        else:
            return web.json_response({"action": "ignored", "reason": "not a report we understand"})
    return web.json_response({"action": kind})
