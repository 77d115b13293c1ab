"""Names of the values the APIs return (statuses, reasons, kinds...), marked for translation."""

from __future__ import annotations

from shared.i18n import N_, NC_, Term
from shared.terms import CAMPAIGN_STATUS_TERMS, SUPPRESSION_REASON_TERMS

# group -> API value -> English text; (context, text) where one English word means two things
TERMS: dict[str, dict[str, Term]] = {
    "status": {
        "pending": N_("Waiting for confirmation"),
        "confirmed": NC_("status", "Subscribed"),
        "unsubscribed": NC_("status", "Unsubscribed"),
        "bounced": NC_("status", "Bounced"),
        "complained": N_("Complained"),
        "blocked": N_("Blocked"),
    },
    "campaign_status": CAMPAIGN_STATUS_TERMS,
    "reason": SUPPRESSION_REASON_TERMS,
    "token_kind": {
        "api": N_("API token"),
        "read": N_("read token (address books)"),
        "session": N_("console sign-in"),
    },
    "phone_kind": {
        "auto": N_("Automatic"),
        "work": N_("Work"),
        "cell": N_("Mobile"),
        "voice": N_("Phone"),
        "fax": N_("Fax"),
        "home": N_("Home"),
    },
    "return_kind": {
        "hard": N_("Hard bounce"),
        "soft": N_("Soft bounce"),
        "policy": N_("Refused by policy (about the sender or the content)"),
        "delayed": N_("Delayed (still being tried)"),
        "complaint": N_("Complaint (marked as spam)"),
        "feedback": N_("Other feedback"),
        "unsubscribe": N_("Unsubscribed by e-mail"),
    },
    "role": {
        "member": N_("Member"),
        "coordinator": N_("Coordinator"),
    },
    "action": {
        "unsubscribe": NC_("coordinator action", "Unsubscribe"),
        "block": N_("Block"),
        "reinstate": N_("Reinstate"),
        "remove": N_("Remove from the list"),
    },
    "member_done": {
        "unsubscribe": N_("Unsubscribed."),
        "block": N_("Blocked: no mail, and neither the form nor an import brings them back."),
        "reinstate": N_("Reinstated."),
        "remove": N_("Removed."),
    },
    "outcome": {
        "suppressed": N_("Suppressed for every list"),
        "stopped": N_("Mail stopped"),
        "counted": N_("Counted"),
        "recorded": N_("Recorded"),
        "unsubscribed": NC_("outcome", "Unsubscribed"),
    },
    "suppression_done": {
        "added": N_("The address is on the suppression list now."),
        "already": N_("The address was on the suppression list already; its first reason stays."),
        "reinstated": N_(
            "The address is off the suppression list; subscriptions its bounces had stopped "
            "have resumed."
        ),
    },
    "history": {
        "suppressed": N_("Suppressed"),
        "reinstated": N_("Taken off"),
    },
    "evidence": {
        "status": N_("Code"),
        "diagnostic": N_("Diagnostic"),
        "reporting_mta": N_("Reported by"),
        "remote_mta": N_("Receiving server"),
        "feedback_type": N_("Feedback type"),
        "format": N_("Report format"),
        "campaign": N_("Campaign"),
        "matched_by": N_("Matched by"),
        "intake": N_("Arrived through"),
        "note": N_("Note"),
        "source": N_("Source"),
    },
    "dropped": {
        "address": N_("Addresses"),
        "photo": N_("Photo"),
        "note": N_("Notes"),
        "birthday": N_("Birthday"),
        "anniversary": N_("Anniversary"),
        "nickname": N_("Nickname"),
        "gender": N_("Gender"),
        "role": N_("Role in the organisation"),
        "messaging": N_("Messaging accounts"),
        "social_profile": N_("Social profiles"),
        "location": N_("Location"),
        "time_zone": N_("Time zone"),
        "related_people": N_("Related people"),
        "languages": N_("Languages"),
        "expertise": N_("Expertise"),
        "interests": N_("Interests"),
        "phonetic_name": N_("Phonetic name"),
        "calendar": N_("Calendar addresses"),
        "group_members": N_("Group members"),
        "department": N_("Department"),
        "second_title": N_("Further titles"),
        "name_parts": N_("Honorifics and middle names"),
        "phone_labels": N_("Own phone labels"),
        "other_links": N_("Links that are not web addresses"),
        "other_categories": N_("Categories that are not your networks"),
        "logo": N_("Logo"),
        "sound": N_("Sound"),
        "key": N_("Encryption key"),
    },
    "permission": {
        "edit_contacts": N_("Edit contacts"),
        "manage_lists": N_("Manage newsletters"),
        "send_campaigns": N_("Send campaigns"),
    },
    "import": {
        "rows": N_("Rows"),
        "created": N_("Created"),
        "updated": N_("Updated"),
        "unchanged": N_("Unchanged"),
        "rejected": N_("Rejected"),
        "skipped": N_("Skipped"),
        "added": N_("Added"),
        "already": N_("Already there"),
        "ignored_columns": N_("Columns not read"),
        "row": N_("Row"),
        "name": N_("Name"),
        "status": N_("Status"),
        "problem": N_("Problem"),
        "field": N_("Field"),
        "dry_run_done": N_(
            "Checked only: nothing was changed. Import the file to make these changes."
        ),
        "not_kept": N_("Not kept"),
    },
    "message": {
        "csrf": N_("This form has expired. Please try again."),
    },
}
