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
}
