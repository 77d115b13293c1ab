"""RFC 3463 enhanced status codes read by class and subject, and the text MTAs put beside them.

The verdicts: `hard` (the address cannot receive: addressing, a disabled mailbox), `soft`
(mailbox full, the receiving system or the network: it may work later), `policy` (security
or policy, `X.7.X`, and the message's content or size: about the sender or the message,
recorded and shown, never a reason to stop mailing the person by itself). A policy code whose
words say only that the recipient does not exist, as some servers answer, is `soft`.
"""

from __future__ import annotations

import re
from typing import Literal

Verdict = Literal["hard", "soft", "policy"]

ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
BASIC = re.compile(r"(?<!\d)([245]\d\d)(?:[\s-]|$)")

# Used only when the code says nothing specific (X.0.0, or no code at all).
_WORDS: tuple[tuple[Verdict, re.Pattern[str]], ...] = (
    (
        "soft",
        re.compile(
            r"quota|mailbox (?:is )?full|over ?quota|insufficient (?:system )?storage"
            r"|exceeded storage|storage (?:space )?exceeded|too many (?:connections|messages)"
            r"|try again later|temporar",
            re.IGNORECASE,
        ),
    ),
    (
        "policy",
        re.compile(
            r"spam|blocked|block ?list|black ?list|dmarc|\bspf\b|dkim|reputation|policy"
            r"|\bbanned\b|content rejected|virus|message (?:is )?too (?:big|large)|size limit",
            re.IGNORECASE,
        ),
    ),
    (
        "hard",
        re.compile(
            r"user unknown|unknown user|no such (?:user|mailbox|recipient|address)"
            r"|does ?n[o']t exist|unknown (?:recipient|address|mailbox)|recipient unknown"
            r"|invalid (?:recipient|mailbox|address)|mailbox (?:unavailable|not found|disabled)"
            r"|no mailbox|unrouteable address|account (?:has been )?disabled|inactive"
            r"|no longer (?:active|available|in use)|address rejected|not our customer"
            r"|couldn't find any host|host unknown|domain (?:not found|does not exist)"
            r"|does ?n[o']t have an? (?:[\w.-]+ )?account|name is not recognized",
            re.IGNORECASE,
        ),
    ),
)


# Servers that answer an unknown recipient with a policy code ("550 5.7.1 No such user!").
_RECIPIENT_GONE = re.compile(
    r"no such (?:user|mailbox|recipient|account)|unknown (?:user|recipient|mailbox)"
    r"|(?:user|recipient|mailbox|account)(?: \S+)? (?:is )?"
    r"(?:unknown|not found|does ?n[o']t exist)",
    re.IGNORECASE,
)
# ... unless the words are about the sender or the message.
_ABOUT_SENDER = re.compile(
    r"sender|dmarc|\bspf\b|dkim|spam|reputation|block|policy|authenticat", re.IGNORECASE
)


def explains(text: str) -> bool:
    """Whether `text` holds words that tell why a delivery failed."""
    return any(words.search(text) for _, words in _WORDS)


def find_code(text: str) -> str:
    """The first RFC 3463 code (`5.1.1`) in a diagnostic text, else ""."""
    match = ENHANCED.search(text)
    return ".".join(match.groups()) if match else ""


def by_code(code: str) -> Verdict | None:
    """The verdict an RFC 3463 code gives by class and subject; None when it is unspecific."""
    parts = code.split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    klass, subject, detail = (int(p) for p in parts)
    if klass == 2:
        return None
    if subject == 7 or subject == 6:
        return "policy"  # security or policy; media or content: the sender's or the message's
    if klass == 4:
        return "soft"
    if subject == 0:
        return None  # "other or undefined": the words beside it decide
    if subject == 1:
        # X.1.7 and X.1.8 are about the sender's address, not the recipient's.
        return "policy" if detail in (7, 8) else "hard"
    if subject == 2:
        mailbox: dict[int, Verdict] = {2: "soft", 3: "policy", 4: "soft"}
        return mailbox.get(detail, "hard")
    if subject == 3 and detail == 4:
        return "policy"  # the message is too big for the system
    return "soft"  # X.3 mail system, X.4 network and routing, X.5 protocol


def verdict(code: str, diagnostic: str) -> Verdict:
    """What a failure means, from its code, else the words of its diagnostic, else its class."""
    found = by_code(code)
    if found is None and diagnostic:
        # A report with an unspecific Status often has the real code in its diagnostic.
        inner = find_code(diagnostic)
        if inner and inner != code:
            found = by_code(inner)
    gone = _RECIPIENT_GONE.search(diagnostic) and not _ABOUT_SENDER.search(diagnostic)
    if found == "policy" and gone:
        # The words say the mailbox is not there: counted as a soft bounce, so repeated
        # reports stop the mail, while one report never suppresses anyone.
        return "soft"
    if found is not None:
        return found
    for kind, words in _WORDS:
        if words.search(diagnostic):
            return kind
    basic = BASIC.search(diagnostic)
    if basic and basic.group(1).startswith("4"):
        return "soft"
    # A failure nobody explained is counted like a soft one: one odd report never suppresses
    # a person, while repeated ones within the window stop the mail.
    return "soft"
