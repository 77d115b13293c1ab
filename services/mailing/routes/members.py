"""One member of a list: their record, and a coordinator's actions (rules: membership.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from services.mailing.access import actor
from services.mailing.keys import POOL, QUERIES
from services.mailing.mailinglist import managed_list
from services.mailing.membership import ACTIONS, Action, event_json, iso, return_json, transition
from shared.errors import NotFound, read_object
from shared.validate import Fields, path_id
from shared.web import utf8_json

routes = web.RouteTableDef()


@routes.get("/v1/lists/{slug}/members/{id}")
async def member(request: web.Request) -> web.Response:
    """One member: status, consent, suppression, the reports about them, what was done."""
    _, lst = await managed_list(request)
    member_id = path_id(request, "member")
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(q["member"], lst["id"], member_id)
        if row is None:
            raise NotFound("No such member on this list.")
        returns = await conn.fetch(q["subscriber-returns"], member_id, lst["id"])
        history = await conn.fetch(q["member-history"], member_id, lst["id"])
    evidence = row["suppression_evidence"] or {}
    body = {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "status": row["status"],
        "lang": row["lang"],
        "created_at": iso(row["created_at"]),
        "confirmed_at": iso(row["confirmed_at"]),
        "unsubscribed_at": iso(row["unsubscribed_at"]),
        "consent": row["consent"],
        # Installation-wide: its reason and the report's own words, not another list's names.
        "suppression": {
            "reason": row["suppressed"],
            "since": iso(row["suppressed_at"]),
            "status": str(evidence.get("status", "")),
            "diagnostic": str(evidence.get("diagnostic", "")),
        }
        if row["suppressed"]
        else None,
        "returns": [return_json(r) for r in returns],
        "history": [event_json(h) for h in history],
    }
    return web.json_response(body, dumps=utf8_json)


def _handler(action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def act(request: web.Request) -> web.Response:
        caller, lst = await managed_list(request)
        member_id = path_id(request, "member")
        f = Fields(await read_object(request))
        f.unknown({"reason"})
        reason = f.text("reason", required=True, max_length=1000) or ""
        f.done()
        q = request.app[QUERIES]
        async with request.app[POOL].acquire() as conn, conn.transaction():
            before, to = await transition(conn, q, action, lst["id"], member_id)
            if action == "unsubscribe":
                await conn.execute(q["unsubscribe"], lst["id"], member_id)
            elif to is None:
                await conn.execute(q["remove-member"], lst["id"], member_id)
            else:
                await conn.execute(q["set-member-status"], lst["id"], member_id, to)
            event = await conn.fetchrow(
                q["record-member-event"],
                lst["id"],
                member_id,
                action,
                before,
                to,
                reason,
                caller.account_id,
                actor(caller),
            )
        assert event is not None
        return web.json_response(event_json(event), dumps=utf8_json)

    act.__doc__ = f"{action.capitalize()} one member, with the reason why (recorded)."
    return act


for _action in ACTIONS:
    routes.post(f"/v1/lists/{{slug}}/members/{{id}}/{_action}")(_handler(_action))
