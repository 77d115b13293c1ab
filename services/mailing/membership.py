"""A member's transitions (unsubscribe, remove, block, reinstate) and how their record shows.

What each action may do keeps consent honest: a coordinator can always stop mail, but can
start it again only where the person's own consent still stands. A person who unsubscribed
or complained comes back only by subscribing again themselves; an address on the
installation's suppression list only when an admin reinstates it there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

import asyncpg

from services.mailing.terms import TERMS
from shared.conn import Conn
from shared.errors import Conflict, NotFound
from shared.i18n import word
from shared.queries import Queries

Action = Literal["unsubscribe", "remove", "block", "reinstate"]
ACTIONS: tuple[Action, ...] = ("unsubscribe", "remove", "block", "reinstate")
# Opt-outs and blocks are what keep a person from being mailed again: removing the
# subscription would forget them, and a later import could add the person back.
KEPT = ("unsubscribed", "complained", "blocked")


def iso(value: datetime | None) -> str | None:
    """A timestamp as ISO 8601 text, None staying None."""
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


class MemberEvent(TypedDict):
    """A coordinator's recorded action on a member (`#/components/schemas/MemberEvent`)."""

    action: str
    from_status: str | None
    to_status: str | None
    reason: str
    by: str | None
    at: str | None


class ReturnReport(TypedDict):
    """A report that came back about a recipient (bounce, complaint, feedback) and its evidence."""

    kind: str
    status: str | None
    diagnostic: str | None
    reporting_mta: str | None
    remote_mta: str | None
    feedback_type: str | None
    format: str | None
    matched_by: str | None
    intake: str | None
    outcome: str | None
    campaign: int | None
    received_at: str | None


def event_json(row: asyncpg.Record) -> MemberEvent:
    """One recorded action on a member."""
    return {
        "action": row["action"],
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "reason": row["reason"],
        "by": row["actor"],
        "at": iso(row["created_at"]),
    }


def return_json(row: asyncpg.Record) -> ReturnReport:
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
        "received_at": iso(row["received_at"]),
    }
