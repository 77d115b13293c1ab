"""E-mail address validation for bulk input: email-validator's answer, computed once per domain."""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

# RFC 5322 dot-atom of ASCII atext: email-validator leaves such a local part unchanged.
PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# Well inside the 64-octet local part and 254-octet address limits, so no length rule differs.
PLAIN_MAX = 60


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str:
    """The normalised domain, or EmailNotValidError; most imports repeat a few domains."""
    return validate_email(f"probe@{domain}", check_deliverability=False).normalized.partition("@")[
        2
    ]


def normalize_address(raw: str) -> str:
    """What `validate_email(raw, check_deliverability=False).normalized` returns, faster."""
    local, at, domain = raw.rpartition("@")
    if (
        at
        and len(local) <= PLAIN_MAX
        and len(domain) <= PLAIN_MAX
        and PLAIN_LOCAL.fullmatch(local)
        and not domain.startswith(" ")
    ):
        try:
            return f"{local}@{_domain(domain)}"
        except EmailNotValidError:
            pass
    # Everything unusual, and every refusal, gets email-validator's own answer and message.
    return str(validate_email(raw, check_deliverability=False).normalized)


async def checked_address(raw: str, *, deliverable: bool) -> str:
    """The normalised address, or EmailNotValidError; with `deliverable`, its domain's DNS too.

    The deliverability check is a blocking DNS query (up to 15 s): it runs in a thread, so a
    slow resolver holds up this one request, not the event loop with every other one.
    """
    if not deliverable:
        return str(validate_email(raw, check_deliverability=False).normalized)
    checked = await asyncio.to_thread(validate_email, raw, check_deliverability=True)
    return str(checked.normalized)
