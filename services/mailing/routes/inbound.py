"""Returned mail over HTTP, for an MTA that pipes instead of speaking LMTP.

`POST /v1/inbound?to=<envelope recipient>` with the raw message and the service credential
feeds the same intake as the LMTP listener and the IMAP poller.
"""

from __future__ import annotations

from aiohttp import web

from services.mailing.returns.intake import Intake

routes = web.RouteTableDef()


@routes.post("/v1/inbound")
async def inbound(request: web.Request) -> web.Response:
    """Handle one returned message; answers what was done (ignored when it is not ours)."""
    # An unencoded "+" in a query string arrives as a space; addresses never contain one.
    recipient = request.query.get("to", "").replace(" ", "+")
    outcome = await Intake.of(request.app).take(recipient, await request.read(), "http")
    body = {"action": outcome.action} | ({"reason": outcome.reason} if outcome.reason else {})
    return web.json_response(body)
