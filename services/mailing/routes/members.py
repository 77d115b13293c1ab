"""One member of a list: what came back about them, and a coordinator's unsubscribe, remove,
block and reinstate, each recorded with who, when and why.

What each action may do keeps consent honest: a coordinator can always stop mail, but can
start it again only where the person's own consent still stands. A person who unsubscribed
or complained comes back only by subscribing again themselves; an address on the
installation's suppression list only when an admin reinstates it there.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

import asyncpg
from aiohttp import web

from services.mailing.access import actor, require
from services.mailing.keys import POOL, QUERIES
from services.mailing.routes.lists import list_row
from services.mailing.terms import TERMS
from shared.conn import Conn
from shared.errors import Conflict, NotFound, read_object
from shared.i18n import word
from shared.identity import identify
from shared.queries import Queries
from shared.validate import Fields, path_id

routes = web.RouteTableDef()

Action = Literal["unsubscribe", "remove", "block", "reinstate"]
ACTIONS: tuple[Action, ...] = ("unsubscribe", "remove", "block", "reinstate")
# Opt-outs and blocks are what keep a person from being mailed again: removing the
# subscription would forget them, and a later import could add the person back.
KEPT = ("unsubscribed", "complained", "blocked")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def transition(
    conn: Conn, q: Queries, action: Action, list_id: int, member: int
) -> tuple[str, str | None]:
    """The member's status (locked) and the one `action` leads to (None: removed).

    Conflict (409) when the action does not apply, saying why.
    """
    row = await conn.fetchrow(q["lock-member"], list_id, member)
    if row is None:
        raise NotFound("No such member on this list.")
    status: str = row["status"]
    return status, await _target(conn, q, action, list_id, member, row)


async def _target(
    conn: Conn,
    q: Queries,
    action: Action,
    list_id: int,
    member: int,
    row: asyncpg.Record,
) -> str | None:
    status: str = row["status"]
    if action == "unsubscribe":
        if status not in ("pending", "confirmed"):
            raise Conflict(
                "This person is not subscribed (the status is %(status)s).",
                values={"status": word(TERMS["status"], status)},
            )
        return "unsubscribed"
    if action == "block":
        if status == "blocked":
            raise Conflict("This person is blocked already.")
        return "blocked"
    if action == "remove":
        if status in KEPT:
            raise Conflict(
                "A member whose status is %(status)s stays on the list: the record is what keeps "
                "them from being mailed (or imported) again.",
                values={"status": word(TERMS["status"], status)},
            )
        return None
    if row["suppressed"]:
        raise Conflict(
            "The address is on the installation's suppression list; an admin reinstates it there."
        )
    if status == "blocked":
        before = await conn.fetchval(q["status-before-block"], list_id, member)
        return str(before) if before else _resumed(row)
    if status == "bounced":
        return _resumed(row)
    raise Conflict(
        "Only a blocked or bounced member can be reinstated (the status is %(status)s); a "
        "person who left comes back by subscribing again.",
        values={"status": word(TERMS["status"], status)},
    )


def _resumed(row: asyncpg.Record) -> str:
    """Confirmed when the person ever confirmed, else still waiting for their confirmation."""
    return "pending" if row["confirmed_at"] is None else "confirmed"


def event_json(row: asyncpg.Record) -> dict[str, Any]:
    """One recorded action on a member."""
    return {
        "action": row["action"],
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "reason": row["reason"],
        "by": row["actor"],
        "at": _iso(row["created_at"]),
    }


def return_json(row: asyncpg.Record) -> dict[str, Any]:
    """One report that came back (bounce, complaint, feedback), with its evidence."""
    return {
        "kind": row["kind"],
        "status": row["status"],
        "diagnostic": row["diagnostic"],
        "reporting_mta": row["reporting_mta"],
        "remote_mta": row["remote_mta"],
        "feedback_type": row["feedback_type"],
        "format": row["format"],
        "matched_by": row["matched_by"],
        "intake": row["intake"],
        "outcome": row["outcome"],
        "campaign": row["campaign_id"],
        "received_at": _iso(row["received_at"]),
    }


@routes.get("/v1/lists/{slug}/members/{id}")
async def member(request: web.Request) -> web.Response:
    """One member: status, consent, suppression, the reports about them, what was done."""
    caller = await identify(request)
    lst = await list_row(request, request.match_info["slug"])
    require(caller, "manage_lists", lst["network"])
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
        "created_at": _iso(row["created_at"]),
        "confirmed_at": _iso(row["confirmed_at"]),
        "unsubscribed_at": _iso(row["unsubscribed_at"]),
        "consent": row["consent"],
        # Installation-wide: its reason and the report's own words, not another list's names.
        "suppression": {
            "reason": row["suppressed"],
            "since": _iso(row["suppressed_at"]),
            "status": str(evidence.get("status", "")),
            "diagnostic": str(evidence.get("diagnostic", "")),
        }
        if row["suppressed"]
        else None,
        "returns": [return_json(r) for r in returns],
        "history": [event_json(h) for h in history],
    }
    return web.json_response(body, dumps=_dumps)


def _handler(action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def act(request: web.Request) -> web.Response:
        caller = await identify(request)
        lst = await list_row(request, request.match_info["slug"])
        require(caller, "manage_lists", lst["network"])
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
        return web.json_response(event_json(event), dumps=_dumps)

    act.__doc__ = f"{action.capitalize()} one member, with the reason why (recorded)."
    return act


for _action in ACTIONS:
    routes.post(f"/v1/lists/{{slug}}/members/{{id}}/{_action}")(_handler(_action))


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
