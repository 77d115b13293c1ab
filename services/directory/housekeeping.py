"""What the directory prunes: the change log, deleted contacts past their undo, sign-in links,
ended sessions' tokens, rate-limit windows."""

from services.directory.paths import QUERY_FOLDERS, SCHEMA
from shared import ratelimit
from shared.housekeeping import DAY, Chores, Prune
from shared.settings import Settings


def _change_log(settings: Settings) -> float:
    return settings.change_log_days * DAY


PRUNES = (
    # The horizon first: from then on, tokens older than it are refused, so the batches
    # below never leave a token answered with a change set missing what they delete.
    Prune("directory.change_log", "move-change-log-horizon", _change_log, batched=False),
    Prune("directory.versions", "prune-versions"),
    Prune("directory.contact_changes", "prune-contact-changes"),
    Prune("directory.contacts", "purge-deleted-contacts"),
    Prune("directory.signin_links", "prune-signin-links", lambda s: s.link_days * DAY),
    Prune("directory.tokens", "prune-session-tokens", lambda s: s.session_days * DAY),
    Prune("directory.rate_limits", "prune-rate-limits", ratelimit.retention),
)

CHORES = Chores(SCHEMA, QUERY_FOLDERS, PRUNES)
