"""A campaign's states and the coordinators' moves between them: the rule, without HTTP.

draft -> scheduled | sending (send), scheduled | sending -> paused (pause), paused ->
sending, or scheduled when it never started (resume), any but done -> cancelled (cancel);
sending | paused | done -> sending again for the failed deliveries (resend). The worker
moves scheduled -> sending at the time and sending -> done at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.mailing.terms import TERMS
from shared.errors import Conflict
from shared.i18n import N_, word
from shared.payloads import CampaignStatus

Action = Literal["pause", "resume", "cancel"]


@dataclass(frozen=True)
class Move:
    """What an action needs the campaign to be in, what it becomes, and the words for it."""

    allowed: frozenset[CampaignStatus]
    target: CampaignStatus
    # Why it was refused: a sentence per action (no English verb built from its name).
    refused: str
    logged: str  # the log's word for it


MOVES: dict[Action, Move] = {
    "pause": Move(
        frozenset({"sending", "scheduled"}),
        "paused",
        N_("A campaign whose status is %(status)s cannot be paused."),
        "paused",
    ),
    "resume": Move(
        frozenset({"paused"}),
        "sending",
        N_("A campaign whose status is %(status)s cannot be resumed."),
        "resumed",
    ),
    "cancel": Move(
        frozenset({"draft", "scheduled", "sending", "paused"}),
        "cancelled",
        N_("A campaign whose status is %(status)s cannot be cancelled."),
        "cancelled",
    ),
}
# Only a draft is sent; failed deliveries are sent again while sending, paused or done.
SENDABLE: frozenset[CampaignStatus] = frozenset({"draft"})
RESENDABLE: frozenset[CampaignStatus] = frozenset({"sending", "paused", "done"})


def refused(message: str, status: str) -> Conflict:
    """The 409 for a campaign in `status`, the status named in the reader's language."""
    return Conflict(message, values={"status": word(TERMS["campaign_status"], status)})


def moved(action: Action, status: str, *, started: bool, scheduled: bool) -> CampaignStatus:
    """The status `action` moves a campaign in `status` to, or the Conflict saying why not.

    A paused campaign that was scheduled and never started is resumed to its schedule.
    """
    move = MOVES[action]
    if status not in move.allowed:
        raise refused(move.refused, status)
    if action == "resume" and scheduled and not started:
        return "scheduled"
    return move.target


def check_sendable(status: str) -> None:
    """Conflict unless a campaign in `status` may be sent (now or at a time)."""
    if status not in SENDABLE:
        raise refused(N_("This campaign is %(status)s; only a draft can be sent."), status)


def check_resendable(status: str) -> None:
    """Conflict unless a campaign in `status` has failed deliveries that may be sent again."""
    if status not in RESENDABLE:
        raise refused(
            N_("A campaign whose status is %(status)s has no failed deliveries to send again."),
            status,
        )
