"""Names of the values subscribers see (a subscription's status), marked for translation."""

from __future__ import annotations

from shared.i18n import N_, Term
from shared.terms import CAMPAIGN_STATUS_TERMS, SUPPRESSION_REASON_TERMS

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
    "reason": SUPPRESSION_REASON_TERMS,
    # A campaign's status, named inside the API's refusals (the console's names, lower case).
    "campaign_status": CAMPAIGN_STATUS_TERMS,
}

# A subscription's state, said to its subscriber in a whole sentence (preferences pages):
# a status name glued after "You receive ..." read "You receive News lv. subscribed."
STATE_SENTENCES: dict[str, str] = {
    "pending": N_(
        "You asked to receive %(list)s. It starts when you confirm it with the link we mailed you."
    ),
    "confirmed": N_("You receive %(list)s."),
    "unsubscribed": N_("You do not receive %(list)s: you have left it."),
    "bounced": N_(
        "%(list)s is not sent to you now: messages to your address could not be delivered."
    ),
    "complained": N_("You have left %(list)s: you reported a message as unwanted."),
    "blocked": N_("The editors of %(list)s have stopped sending it to you."),
}
# What a leave button's page says once the person has left (its role=status message).
LEFT: str = N_("You have left %(list)s. No further messages will be sent.")
