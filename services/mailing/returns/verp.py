"""The tokens Kontakt writes into the mail it sends, one MAC key per purpose.

- `bounces+C.S.MAC@domain` (VERP envelope sender): only the bounce key makes it.
- `unsubscribe+C.S.MAC@domain` (List-Unsubscribe mailto, RFC 2369): only the unsubscribe
  key makes it, so the address every delivered copy shows cannot be turned into a bounce
  that suppresses the person everywhere.
- `Message-ID: <kontakt.C.S.MAC@domain>`: names the campaign and recipient, so a
  complaint or report that encloses the original is matched to the ledger.
C is the campaign id, S the subscriber id, MAC 96 bits in lower-case hex.
"""

from __future__ import annotations

import re
from typing import Literal

from shared.settings import Settings
from shared.signing import Keys

Purpose = Literal["bounce", "unsubscribe", "message-id"]
LOCAL_PARTS: dict[str, Purpose] = {"bounces": "bounce", "unsubscribe": "unsubscribe"}
# ASCII digits only: `\d` and int() also take other scripts' digits, and some int() refuses.
TOKEN = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})\.([0-9a-f]{24})")
MESSAGE_ID = re.compile(r"<kontakt\.([0-9]{1,18})\.([0-9]{1,18})\.([0-9a-f]{24})@[^<>\s]+>", re.I)


def _mac(settings: Settings, purpose: Purpose, campaign_id: int, subscriber_id: int) -> str:
    return Keys.of(settings).mac_hex(f"mailing-{purpose}", f"{campaign_id}.{subscriber_id}")


def token(settings: Settings, purpose: Purpose, campaign_id: int, subscriber_id: int) -> str:
    """`C.S.MAC` for `purpose`."""
    return f"{campaign_id}.{subscriber_id}.{_mac(settings, purpose, campaign_id, subscriber_id)}"


def read_token(settings: Settings, purpose: Purpose, text: str) -> tuple[int, int] | None:
    """(campaign, subscriber) from a token made for `purpose`, else None."""
    found = TOKEN.fullmatch(text.lower())
    if found is None:
        return None
    campaign_id, subscriber_id = int(found[1]), int(found[2])
    data = f"{campaign_id}.{subscriber_id}"
    right = Keys.of(settings).check_hex(f"mailing-{purpose}", data, found[3])
    return (campaign_id, subscriber_id) if right else None


def address(settings: Settings, purpose: Purpose, campaign_id: int, subscriber_id: int,
            domain: str) -> str:  # fmt: skip
    """`bounces+…@domain` or `unsubscribe+…@domain`."""
    local = next(k for k, v in LOCAL_PARTS.items() if v == purpose)
    return f"{local}+{token(settings, purpose, campaign_id, subscriber_id)}@{domain}"


def read_address(settings: Settings, recipient: str) -> tuple[Purpose, int, int] | None:
    """(purpose, campaign, subscriber) from an intake address, else None (not ours, forged)."""
    local = recipient.strip().strip("<>").rpartition("@")[0]
    prefix, _, rest = local.partition("+")
    purpose = LOCAL_PARTS.get(prefix.lower())
    found = read_token(settings, purpose, rest) if purpose and rest else None
    return (purpose, *found) if purpose and found else None


def message_id(settings: Settings, campaign_id: int, subscriber_id: int, domain: str) -> str:
    """The Message-ID of one campaign message to one subscriber."""
    return f"<kontakt.{token(settings, 'message-id', campaign_id, subscriber_id)}@{domain}>"


def read_message_ids(settings: Settings, text: str) -> list[tuple[int, int]]:
    """Every genuine Kontakt Message-ID in `text`, as (campaign, subscriber), in order."""
    found = []
    for match in MESSAGE_ID.finditer(text):
        pair = read_token(settings, "message-id", ".".join(match.groups()))
        if pair and pair not in found:
            found.append(pair)
    return found
