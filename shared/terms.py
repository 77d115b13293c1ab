"""Names of API values that more than one service shows a person, marked for translation.

Keyed by the API's own values (`shared/payloads.py`): `hard-bounce` as the mailing service
sends it, never a spelling of the console's own.
"""

from __future__ import annotations

from shared.i18n import N_, Term

# A campaign's status (CampaignStatus), lower case: it is named inside sentences too.
CAMPAIGN_STATUS_TERMS: dict[str, Term] = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "paused": N_("paused"),
    "cancelled": N_("cancelled"),
    "done": N_("done"),
}
# Why an address is on the suppression list (SuppressionReason).
SUPPRESSION_REASON_TERMS: dict[str, Term] = {
    "hard-bounce": N_("Hard bounce"),
    "complaint": N_("Complaint"),
    "manual": N_("Added by hand"),
    "imported": N_("Imported"),
}
