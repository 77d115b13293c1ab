"""What an SMTP reply means for a campaign: by the phase it came in (RFC 5321) and its
enhanced status code (RFC 3463: class.subject.detail).
"""

from __future__ import annotations

import re
from enum import StrEnum

STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\S)")


class Phase(StrEnum):
    """Where in the SMTP dialogue a reply came (RFC 5321 3.3)."""

    CONNECT = "connect"  # greeting, EHLO, STARTTLS, AUTH
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


class Verdict(StrEnum):
    """What the sender does about a refusal."""

    # The relay cannot take mail just now (refused or dropped connection, 4xx before RCPT):
    # back off as a whole; nobody's attempt counts; pause if it lasts.
    RELAY_LATER = "relay-later"
    # This message, now: 4xx at RCPT or DATA, or a dropped transaction. Retry with backoff.
    RETRY = "retry"
    # Permanent and about the sender (quota 5.4.x, policy 5.7.x, any 5xx at MAIL FROM,
    # a configuration the server refuses): no recipient can be reached; pause the campaign.
    PAUSE = "pause"
    # Permanent and about the recipient's address (5.1.x): a hard bounce, suppressed everywhere.
    BOUNCE = "bounce"
    # Permanent for this recipient only (mailbox full or disabled, other 5xx at RCPT).
    FAIL = "fail"


class Refusal(Exception):
    """The server did not take a message (or a connection could not be made)."""

    def __init__(self, phase: Phase, code: int, text: str, *, permanent: bool | None = None):
        super().__init__(f"{code} {text}".strip())
        self.phase = phase
        self.code = code
        self.text = " ".join(text.split())
        self.permanent = code >= 500 if permanent is None else permanent
        match = STATUS.match(self.text)
        # RFC 3463: the enhanced code, when the server gave one, as (class, subject, detail).
        self.status = tuple(int(g) for g in match.groups()) if match else None

    @property
    def reason(self) -> str:
        """The reply as people read it: phase, code and the server's words."""
        return f"{self.code} {self.text} (at {self.phase.upper()})".strip()

    @property
    def verdict(self) -> Verdict:
        """What to do about it; see `Verdict`."""
        subject = self.status[1] if self.status else None
        if not self.permanent:
            return (
                Verdict.RELAY_LATER if self.phase in (Phase.CONNECT, Phase.MAIL) else Verdict.RETRY
            )
        if self.phase in (Phase.CONNECT, Phase.MAIL):
            return Verdict.PAUSE
        if subject == 1 and self.status is not None and self.status[2] in (7, 8):
            # X.1.7 and X.1.8 are about the sender's address (Postfix, delaying its sender
            # checks, says so at RCPT): nobody's mailbox is wrong, no recipient is suppressed.
            return Verdict.PAUSE
        if subject == 1:
            return Verdict.BOUNCE
        if self.phase is Phase.RCPT:
            # At a relay, 5.7.x at RCPT is about us (relaying denied, sender not allowed).
            return Verdict.PAUSE if subject == 7 else Verdict.FAIL
        # DATA: the same content goes to everyone, so only a mailbox state stays personal.
        return Verdict.FAIL if subject == 2 else Verdict.PAUSE
