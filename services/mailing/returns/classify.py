"""What a message that came back says: a delivery report, a complaint, an auto-reply, or nothing.

Read in this order: ARF complaints (RFC 5965), delivery status notifications (RFC 3464, and
RFC 6533's `message/global-delivery-status`), then the reports MTAs and providers write in
their own shapes (found by flufl.bounce, GNU Mailman's detectors), then auto-replies (RFC
3834 and the headers and subjects common programs set), which are ignored.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.header
import email.policy
import logging
import quopri
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr
from typing import Literal

from flufl.bounce import all_failures

from services.mailing.returns.status import explains, find_code, verdict

Kind = Literal["hard", "soft", "policy", "delayed", "delivered"]
ReportType = Literal["bounce", "complaint", "feedback", "auto-reply", "unknown"]

log = logging.getLogger("kontakt.mailing.returns")
DSN_TYPES = {"message/delivery-status", "message/global-delivery-status"}
ORIGINAL_TYPES = {
    "message/rfc822",
    "message/global",
    "text/rfc822-headers",
    "message/global-headers",
    "message/rfc822-headers",
}
_XTEXT = re.compile(r"\\x\{([0-9A-Fa-f]{1,6})\}|\+([0-9A-Fa-f]{2})")
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[ -]?(?:reply|response)"
    r"|autoreply|auto:|abwesenheit|automatisk svar|autosvar|automaatne vastus"
    r"|automātiskā atbilde|automatinis atsakymas|automaattinen vastaus|vacation)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """One recipient a delivery report speaks of, with its evidence."""

    address: str
    kind: Kind
    status: str = ""
    action: str = ""
    diagnostic: str = ""
    remote_mta: str = ""
    original_recipient: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    """A returned message, read: its type, per-recipient outcomes and the original's headers.

    `original` holds the enclosed message's header fields (Message-ID, List-Id, To, …) when
    the report carries them; `feedback` the ARF fields (lower-cased names) of a complaint.
    """

    type: ReportType
    recipients: tuple[Recipient, ...] = ()
    reporting_mta: str = ""
    format: str = ""
    feedback: dict[str, str] = field(default_factory=dict)
    original: dict[str, str] = field(default_factory=dict)
    text: str = ""

    @property
    def feedback_type(self) -> str:
        """RFC 5965 Feedback-Type (abuse, fraud, virus, other, not-spam, auth-failure), lower."""
        return self.feedback.get("feedback-type", "").strip().lower()


def parse(raw: bytes) -> Message:
    """The message as the email package reads it (compat32, as the detectors expect)."""
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def classify(raw: bytes) -> Report:
    """Read one returned message; never raises on malformed input (it is `unknown` then)."""
    msg = parse(raw)
    text = _body_text(msg)
    original = _original_headers(msg, text)
    feedback = _first_part(msg, "message/feedback-report")
    if feedback is not None or _report_type(msg) == "feedback-report":
        fields = _fields(_part_text(feedback)) if feedback is not None else {}
        kind: ReportType = (
            "complaint"
            if fields.get("feedback-type", "").strip().lower() == "abuse"
            else "feedback"
        )
        recipients = tuple(
            Recipient(address=a, kind="delivered")
            for a in _addresses(fields.get("original-rcpt-to", ""))
        )
        return Report(
            kind,
            recipients,
            reporting_mta=_mta(fields.get("reporting-mta", "")) or _sender_domain(msg),
            format="arf",
            feedback=fields,
            original=original,
            text=text,
        )
    dsn_parts = [p for p in msg.walk() if p.get_content_type() in DSN_TYPES]
    if dsn_parts:
        recipients, reporting = _read_dsn(dsn_parts)
        if recipients:
            return Report(
                "bounce",
                recipients,
                reporting_mta=reporting or _sender_domain(msg),
                format="rfc6533"
                if any(p.get_content_type() == "message/global-delivery-status" for p in dsn_parts)
                else "rfc3464",
                original=original,
                text=text,
            )
    temporary, permanent = _detected(msg)
    if temporary or permanent:
        recipients = tuple(
            _from_text(address.decode("ascii", "replace"), text, delayed=address in temporary)
            for address in sorted(temporary | permanent)
        )
        return Report(
            "bounce",
            recipients,
            reporting_mta=_sender_domain(msg),
            format="detected",
            original=original,
            text=text,
        )
    if _auto_reply(msg):
        return Report("auto-reply", format="rfc3834", original=original, text=text)
    return Report("unknown", original=original, text=text)


def _detected(msg: Message) -> tuple[frozenset[bytes], frozenset[bytes]]:
    """flufl.bounce's verdict; its heuristics can trip over malformed mail, which is no report."""
    try:
        return all_failures(msg)
    except Exception:  # a detector's bug on odd input must not lose the message's turn
        log.warning("a bounce detector failed on a returned message", exc_info=True)
        return frozenset(), frozenset()


def _report_type(msg: Message) -> str:
    return str(msg.get_param("report-type", "") or "").lower()


def _first_part(msg: Message, content_type: str) -> Message | None:
    return next((p for p in msg.walk() if p.get_content_type() == content_type), None)


def _part_text(part: Message) -> str:
    """A report part's text as sent, transfer encoding undone, as UTF-8 (RFC 6533 allows it)."""
    data = part.as_bytes()
    head_end = min((i for i in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if i >= 0), default=-1)
    body = data[head_end:].lstrip(b"\r\n") if head_end >= 0 else b""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    try:
        if encoding == "base64":
            body = base64.b64decode(body)
        elif encoding == "quoted-printable":
            body = quopri.decodestring(body)
    except (binascii.Error, ValueError):
        return ""
    return body.decode("utf-8", "replace").replace("\r\n", "\n")


def _blocks(text: str) -> list[dict[str, str]]:
    """Header-like blocks separated by blank lines, names lower-cased, folding undone."""
    found = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        if not chunk.strip():
            continue
        headers = HeaderParser(policy=email.policy.compat32).parsestr(chunk.strip() + "\n")
        block = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
        if block:
            found.append(block)
    return found


def _fields(text: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for block in _blocks(text):
        for key, value in block.items():
            merged.setdefault(key, value)
    return merged


def _typed_address(value: str) -> str:
    """`rfc822; a@b` or `utf-8; jõe@näide.ee` (RFC 6533 escapes undone) to an address."""
    kind, sep, rest = value.partition(";")
    address = rest if sep else kind
    address = address.strip().strip("<>").strip()
    if kind.strip().lower() in {"utf-8", "rfc822", "x-unknown"} or not sep:
        address = _XTEXT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), address)
    return address


def _mta(value: str) -> str:
    return value.partition(";")[2].strip() if ";" in value else value.strip()


def _read_dsn(parts: list[Message]) -> tuple[tuple[Recipient, ...], str]:
    recipients: list[Recipient] = []
    reporting = ""
    for part in parts:
        blocks = _blocks(_part_text(part))
        if not blocks:
            continue
        reporting = reporting or _mta(blocks[0].get("reporting-mta", ""))
        for block in blocks:
            final = block.get("final-recipient") or block.get("x-actual-recipient")
            if not final:
                continue
            action = block.get("action", "").split("(")[0].strip().lower()
            status = find_code(block.get("status", ""))
            diagnostic = block.get("diagnostic-code", "")
            diagnostic = _mta(diagnostic) if ";" in diagnostic[:12] else diagnostic
            kind: Kind
            if action.startswith("delayed"):
                kind = "delayed"  # never a bounce: the MTA is still trying
            elif action in {"delivered", "relayed", "expanded"}:
                kind = "delivered"
            elif action.startswith(("fail", "error")) or status.startswith(("4", "5")):
                kind = verdict(status, diagnostic)
            else:
                continue
            recipients.append(
                Recipient(
                    address=_typed_address(final),
                    kind=kind,
                    status=status,
                    action=action,
                    diagnostic=diagnostic[:1000],
                    remote_mta=_mta(block.get("remote-mta", "")),
                    original_recipient=_typed_address(block.get("original-recipient", "")),
                )
            )
    return tuple(recipients), reporting


def _from_text(address: str, text: str, *, delayed: bool) -> Recipient:
    """A recipient found by a detector, with the diagnostic its report wrote beside it."""
    diagnostic = _paragraph_after(address, text)
    status = find_code(diagnostic)
    kind: Kind = "delayed" if delayed else verdict(status, diagnostic)
    return Recipient(
        address=address,
        kind=kind,
        status=status,
        action="delayed" if delayed else "failed",
        diagnostic=diagnostic[:1000],
    )


def _paragraph_after(address: str, text: str) -> str:
    """The paragraph around the first mention of `address` that explains the failure.

    Reports also quote the original (`To: address`), so the mention with a status code or
    a known reason wins over the first one.
    """
    paragraphs: list[str] = []
    at = text.lower().find(address.lower())
    while at >= 0 and len(paragraphs) < 20:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n\n", at)
        paragraphs.append(" ".join(text[start : end if end >= 0 else start + 1000].split()))
        at = text.lower().find(address.lower(), end if end >= 0 else len(text))
    explained = [p for p in paragraphs if find_code(p) or explains(p)]
    return (explained or paragraphs or [""])[0]


def _body_text(msg: Message) -> str:
    """The human-readable text parts, decoded, for diagnostics and original headers."""
    pieces = []
    for part in msg.walk():
        if part.get_content_type() not in {"text/plain", "text/rfc822-headers"}:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            charset = part.get_content_charset() or "utf-8"
            try:
                pieces.append(payload.decode(charset, "replace"))
            except LookupError:
                pieces.append(payload.decode("utf-8", "replace"))
    return "\n".join(pieces).replace("\r\n", "\n")


_WANTED = ("message-id", "list-id", "to", "from", "subject", "date", "list-unsubscribe")
_HEADER_LINE = re.compile(
    r"^(message-id|list-id|to|list-unsubscribe):[ \t]*(.+(?:\n[ \t].*)*)",
    re.IGNORECASE | re.MULTILINE,
)


def _original_headers(msg: Message, text: str) -> dict[str, str]:
    """The enclosed original's header fields, from a MIME part or from a quoted copy."""
    for part in msg.walk():
        if part is msg or part.get_content_type() not in ORIGINAL_TYPES:
            continue
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        headers: dict[str, str] = {}
        if isinstance(inner, Message):
            headers = {k.lower(): " ".join(str(v).split()) for k, v in inner.items()}
        if not any(k in headers for k in _WANTED):
            # Not parsed as a message: a header block, or an original some feedback loops
            # send in base64 (RFC 2046 forbids it for message/rfc822; they do it anyway).
            blocks = _blocks(_part_text(part))
            headers = blocks[0] if blocks else {}
        found = {k: headers[k] for k in _WANTED if k in headers}
        if found:
            return found
    # Reports that quote the original in their text (qmail, old Exim, Exchange 2003).
    found = {}
    for name, value in _HEADER_LINE.findall(text):
        found.setdefault(name.lower(), " ".join(value.split()))
    return found


def _addresses(value: str) -> list[str]:
    return [a for _, a in getaddresses([value]) if "@" in a]


def _sender_domain(msg: Message) -> str:
    return parseaddr(str(msg.get("From", "")))[1].rpartition("@")[2]


def _auto_reply(msg: Message) -> bool:
    """RFC 3834's Auto-Submitted, and the headers and subjects common responders set."""
    submitted = str(msg.get("Auto-Submitted", "")).strip().lower()
    if submitted.startswith("auto-replied"):
        return True
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return True
    if str(msg.get("Precedence", "")).strip().lower() == "auto_reply":
        return True
    subject = str(email.header.make_header(email.header.decode_header(msg.get("Subject", ""))))
    return bool(_AUTO_SUBJECT.match(subject))
