"""What the mailing service prunes: used confirmation links, expired preferences links,
rate-limit windows and mail its outbox is done with; and it folds the kept counts."""

from services.mailing.outbox import CONFIRM_TTL
from services.mailing.paths import QUERY_FOLDERS, SCHEMA
from shared import ratelimit
from shared.housekeeping import DAY, Chores, Prune
from shared.settings import Settings


def _used_tokens(settings: Settings) -> float:
    # A used link's nonce must outlive the link, or the link would work again.
    return max(settings.used_token_days * DAY, CONFIRM_TTL + DAY)


PRUNES = (
    Prune("mailing.used_tokens", "prune-used-tokens", _used_tokens),
    Prune("mailing.preference_links", "prune-preference-links", lambda s: s.link_days * DAY),
    Prune("mailing.rate_limits", "prune-rate-limits", ratelimit.retention),
    Prune("mailing.outbox", "prune-outbox", lambda s: s.outbox_days * DAY),
    # Not a prune: each list's delta rows of its subscriber counts folded into one per status.
    Prune("mailing.subscription_counts", "compact-subscription-counts"),
    # Nor this: each campaign's delta rows of its delivery counts, the same way.
    Prune("mailing.delivery_counts", "compact-delivery-counts"),
)

CHORES = Chores(SCHEMA, QUERY_FOLDERS, PRUNES)
