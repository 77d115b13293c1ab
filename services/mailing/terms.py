"""Names of the values subscribers see (a subscription's status), marked for translation."""

from __future__ import annotations

from shared.i18n import N_, Term

TERMS: dict[str, dict[str, Term]] = {
    "status": {
        "pending": N_("waiting for confirmation"),
        "confirmed": N_("subscribed"),
        "unsubscribed": N_("unsubscribed"),
        "bounced": N_("paused: mail could not be delivered"),
        "complained": N_("unsubscribed"),
        "blocked": N_("stopped by the newsletter's editors"),
    },
    # Why an address is on the suppression list (the console's names).
    "reason": {
        "hard-bounce": N_("Hard bounce"),
        "complaint": N_("Complaint"),
        "manual": N_("Added by hand"),
        "imported": N_("Imported"),
    },
    # A campaign's status, named inside the API's refusals (the console's names, lower case).
    "campaign_status": {
        "draft": N_("draft"),
        "scheduled": N_("scheduled"),
        "sending": N_("sending"),
        "paused": N_("paused"),
        "cancelled": N_("cancelled"),
        "done": N_("done"),
    },
}
