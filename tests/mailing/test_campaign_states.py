"""The campaign state machine, a domain rule of its own (services/mailing/campaign_states.py)."""

from __future__ import annotations

import pytest

from services.mailing.campaign_states import (
    MOVES,
    Action,
    check_resendable,
    check_sendable,
    moved,
)
from shared.errors import Conflict
from shared.i18n import translator
from shared.payloads import CAMPAIGN_STATUSES

pytestmark = pytest.mark.fast


def test_each_move_from_each_status() -> None:
    expected: dict[Action, dict[str, str]] = {
        "pause": {"sending": "paused", "scheduled": "paused"},
        "resume": {"paused": "sending"},
        "cancel": {s: "cancelled" for s in ("draft", "scheduled", "sending", "paused")},
    }
    for action, allowed in expected.items():
        for status in CAMPAIGN_STATUSES:
            if status in allowed:
                assert moved(action, status, started=True, scheduled=False) == allowed[status]
            else:
                with pytest.raises(Conflict) as refused:
                    moved(action, status, started=True, scheduled=False)
                assert refused.value.message == MOVES[action].refused
    # Paused before its scheduled start: resumed to its schedule, not sent at once.
    assert moved("resume", "paused", started=False, scheduled=True) == "scheduled"
    assert moved("resume", "paused", started=True, scheduled=True) == "sending"


def test_send_and_resend_and_the_refusal_names_the_status_in_the_readers_language() -> None:
    check_sendable("draft")
    for status in ("sending", "paused", "done"):
        check_resendable(status)
    with pytest.raises(Conflict) as refused:
        check_sendable("done")
    said = {
        lang: translator(lang).message(refused.value.message, refused.value.values)
        for lang in ("en", "et")
    }
    assert said["en"] == "This campaign is done; only a draft can be sent."
    assert "done" not in said["et"]  # the status named in Estonian too
    with pytest.raises(Conflict):
        check_resendable("draft")
