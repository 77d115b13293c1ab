"""What the console prunes: ended sessions and sign-in mail its outbox is done with."""

from services.console.paths import QUERY_FOLDERS, SCHEMA
from shared.housekeeping import DAY, Chores, Prune

PRUNES = (
    Prune("console.sessions", "prune-sessions", lambda s: s.session_days * DAY),
    Prune("console.outbox", "prune-outbox", lambda s: s.outbox_days * DAY),
)

CHORES = Chores(SCHEMA, QUERY_FOLDERS, PRUNES)
