"""The one message builder: every mail Kontakt sends, shaped for the server it goes to.

A `Draft` says what a message says (sender, subject, text, HTML, list headers), with
`{placeholders}` filled per recipient. A `Template` turns it into bytes for one recipient
and one server's `Capabilities`:

- header text that is not ASCII goes as RFC 2047 encoded words, unless the server offers
  SMTPUTF8 (RFC 6531), when it goes as UTF-8 (RFC 6532);
- domains go as IDNA 2008 A-labels (the `idna` package) unless SMTPUTF8 is offered; a
  local part that is not ASCII cannot be carried without it (`Undeliverable`);
- each body part gets the transfer encoding Python's email package picks (7bit,
  quoted-printable or base64), so no line exceeds 998 octets (RFC 5322 2.1.1) and the
  body never needs 8BITMIME;
- `Date` in UTC with `+0000`, a unique `Message-ID`, no CR or LF from any input.

The email package builds the headers and the MIME structure once per template and server
kind; per recipient only the personalised parts are filled and encoded (building a whole
message costs milliseconds, which is the worker's entire budget per message).
"""

from __future__ import annotations

import binascii
import email.policy
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

import idna

# `{name}`-style placeholders: a word in braces. Anything else in braces is text.
PLACEHOLDER = re.compile(r"\{([a-z][a-z_]*)\}")
# Header names a draft may not set: the builder writes them itself.
RESERVED = frozenset({"from", "to", "subject", "date", "message-id", "reply-to", "mime-version"})
ASCII = email.policy.SMTP
UTF8 = email.policy.SMTPUTF8
_SLOT = "kmark7qslot{}"


class Undeliverable(ValueError):
    """This message cannot be carried to this address by this server; `reason` says why.

    `about` is "recipient" (only this address is affected) or "sender" (the list's own
    address cannot be carried, so no recipient can be reached through this server).
    """

    def __init__(self, reason: str, about: str = "recipient") -> None:
        super().__init__(reason)
        self.reason = reason
        self.about = about


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the server spoken to offered in its EHLO answer (RFC 5321 4.1.1.1)."""

    smtputf8: bool = False
    eightbitmime: bool = False


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one recipient on one server: envelope (RFC 5321) and bytes."""

    sender: str
    recipient: str
    data: bytes
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Draft:
    """What a message says; `subject`, `text` and `html` may hold `{placeholders}`.

    `headers` are extra header fields (List-Id, List-Unsubscribe…), which may hold
    placeholders too.
    """

    from_name: str
    from_address: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def clean_header(value: str) -> str:
    """No CR, LF or other control character may reach a header, whatever the input."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


def placeholders(text: str) -> set[str]:
    """The `{placeholder}` names used in `text`."""
    return set(PLACEHOLDER.findall(text))


# What a person writes into a message (a campaign's subject and body) may hold one
# placeholder, exactly `{name}`; braces have no other use there. Each piece in braces, and
# each brace left open or closed alone (with the word beside it), is found by `BRACED`:
# the API's validation refuses what is not `{name}`, the console's editor names `{name}`
# from `WRITTEN_PLACEHOLDER`, and the renderer (`written`) fills nothing else.
WRITTEN_PLACEHOLDER = "{name}"
BRACED = re.compile(r"\{+[^{}\n]{0,60}\}+|\{+[^{}\s]{0,30}|[^{}\s]{0,30}\}+")


def stray_braces(text: str) -> list[str]:
    """What `text` holds in braces (or a lone brace, with its word) other than `{name}`:
    each piece once, in the order written."""
    found: list[str] = []
    for match in BRACED.finditer(text):
        if match[0] != WRITTEN_PLACEHOLDER and match[0] not in found:
            found.append(match[0])
    return found


def written(text: str) -> str:
    """A person's text as a draft carries it: `{name}` stays the placeholder, every other
    brace is `literal` (a campaign saved before the rule goes out as it was written, with
    nothing else filled)."""
    return BRACED.sub(lambda m: m[0] if m[0] == WRITTEN_PLACEHOLDER else literal(m[0]), text)


# Text that must reach the reader exactly as written, braces and all (a list's name in a
# campaign's footer, layout and List-Id), enters a draft through `literal`: its braces become
# private-use characters that no placeholder matches, and `fill` writes them back as braces.
_LITERAL = str.maketrans({"{": "\ue000", "}": "\ue001"})
_WRITTEN = str.maketrans({"\ue000": "{", "\ue001": "}"})


def literal(text: str) -> str:
    """`text` as a draft carries it: never read as a placeholder, shown as written."""
    return text.translate(_LITERAL)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Each known `{placeholder}` replaced by its value, in one pass (values are not re-read);
    `literal` text back as it was written."""
    if "{" in text:
        text = PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)
    return text.translate(_WRITTEN)


def mailbox(address: str, caps: Capabilities, about: str = "recipient") -> str:
    """`address` as this server may carry it: A-label domain without SMTPUTF8 (RFC 5890)."""
    local, at, domain = clean_header(address).rpartition("@")
    if not at or not local or not domain:
        raise Undeliverable(f"{address!r} is not an e-mail address", about)
    if caps.smtputf8 or (local.isascii() and domain.isascii()):
        return f"{local}@{domain}"
    if not local.isascii():
        raise Undeliverable(
            f"the address {address} has a non-ASCII local part, and the mail server does not "
            "offer SMTPUTF8 (RFC 6531), so it cannot carry it",
            about,
        )
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError as exc:
        reason = f"the domain of {address} is not a valid IDNA 2008 name: {exc}"
        raise Undeliverable(reason, about) from exc


def ascii_domain(domain: str) -> str:
    """A domain as an A-label, for header parts that must be ASCII whatever the server."""
    return domain if domain.isascii() else idna.encode(domain, uts46=True).decode("ascii")


def encode_body(
    text: str, policy: email.policy.EmailPolicy[EmailMessage], *, quoted: bool = False
) -> tuple[str, str]:
    """(transfer encoding, encoded body) as `EmailMessage.set_content` picks and writes them.

    The same heuristic and encoders as the email package's text content manager (7bit when
    every line is ASCII and short, else the shorter of quoted-printable and base64), for a
    7-bit transport; a test holds the two equal. Lines end in CRLF. `quoted` forces
    quoted-printable.
    """
    lines = text.encode("utf-8").splitlines()
    limit = policy.max_line_length or 78
    normal = b"\n".join(lines) + b"\n"
    short = max((len(line) for line in lines), default=0) <= limit
    if short and normal.isascii() and not quoted:
        return "7bit", normal.decode("ascii").replace("\n", "\r\n")
    sniff = b"\r\n".join(lines[:10]) + b"\r\n"
    if not quoted and len(quoprimime.body_encode(sniff.decode("latin-1"), limit)) > len(
        binascii.b2a_base64(sniff)
    ):
        embedded = b"\r\n".join(lines) + b"\r\n"
        step = limit // 4 * 3
        chunks = (
            binascii.b2a_base64(embedded[i : i + step]) for i in range(0, len(embedded), step)
        )
        return "base64", b"".join(chunks).decode("ascii").replace("\n", "\r\n")
    encoded = quoprimime.body_encode(normal.decode("latin-1"), limit)
    return "quoted-printable", encoded.replace("\n", "\r\n")


def _fold(name: str, value: str, policy: email.policy.EmailPolicy[EmailMessage]) -> str:
    """One header field folded by the email package for `policy`."""
    folded: str = policy.header_factory(name, value).fold(policy=policy)
    return folded


@dataclass
class _Shape:
    """A template's fixed parts for one kind of server."""

    caps: Capabilities
    head: str  # From, Reply-To and the draft's own headers without placeholders, folded
    personal: list[tuple[str, str]]  # the draft's headers with placeholders, folded per recipient
    subject: str | None  # folded, when it holds no placeholder
    body: list[str]  # the MIME skeleton split at its slots
    sender: str  # From as an envelope address
    boundary: str | None


@dataclass
class Template:
    """A draft built once per kind of server; each recipient's message is a fill away.

    `sign` (e.g. DKIM) gets the finished bytes and the sender's domain and returns them signed.
    """

    draft: Draft
    sign: Callable[[bytes, str], bytes] | None = None
    _shapes: dict[Capabilities, _Shape] = field(default_factory=dict)

    def render(
        self,
        to: str,
        caps: Capabilities,
        values: Mapping[str, str] | None = None,
        *,
        envelope_from: str | None = None,
        message_id: str | None = None,
    ) -> Outgoing:
        """This recipient's message for a server with `caps`; `Undeliverable` if it cannot be.

        `values` fill the placeholders (HTML-escaped in the HTML part); `envelope_from`
        defaults to the From address; `message_id` (`<…@…>`) defaults to a random one.
        """
        key = Capabilities(smtputf8=caps.smtputf8)
        shape = self._shapes.get(key) or self._shape(key)
        policy = UTF8 if caps.smtputf8 else ASCII
        values = values or {}
        recipient = mailbox(to, caps)
        sender = mailbox(envelope_from, caps, "sender") if envelope_from else shape.sender
        domain = ascii_domain(self.draft.from_address.rpartition("@")[2])
        message_id = clean_header(message_id or f"<{secrets.token_hex(16)}@{domain}>")
        subject = shape.subject or _fold(
            "Subject", clean_header(fill(self.draft.subject, values)), policy
        )
        personal = "".join(
            _fold(name, clean_header(fill(value, values)), policy) for name, value in shape.personal
        )
        head = (
            f"{shape.head}{personal}"
            f"{_fold('To', recipient, policy)}"
            f"{subject}"
            f"Date: {format_datetime(datetime.now(UTC))}\r\n"
            f"Message-ID: {message_id}\r\n"
        )
        parts = [self.draft.text]
        if self.draft.html is not None:
            escaped = {k: escape(v) for k, v in values.items()}
            parts.append(fill(self.draft.html, escaped))
        parts[0] = fill(parts[0], values)
        pieces = [head, shape.body[0]]
        for index, part in enumerate(parts):
            cte, payload = encode_body(part, policy)
            if cte == "7bit" and shape.boundary and f"--{shape.boundary}" in payload:
                # A body may not hold its own delimiter (RFC 2046 5.1.1); QP escapes "=".
                cte, payload = encode_body(part, policy, quoted=True)
            pieces += [cte, shape.body[2 * index + 1], payload, shape.body[2 * index + 2]]
        data = "".join(pieces).encode("utf-8")
        if self.sign is not None:
            data = self.sign(data, domain)
        options: tuple[str, ...] = ()
        if caps.smtputf8 and not (data.isascii() and recipient.isascii() and sender.isascii()):
            options = ("SMTPUTF8", "BODY=8BITMIME") if caps.eightbitmime else ("SMTPUTF8",)
        return Outgoing(sender, recipient, data, options)

    def _shape(self, caps: Capabilities) -> _Shape:
        draft = self.draft
        policy = UTF8 if caps.smtputf8 else ASCII
        sender = mailbox(draft.from_address, caps, "sender")
        local, _, domain = sender.rpartition("@")
        head = EmailMessage(policy=policy)
        head["From"] = Address(clean_header(draft.from_name), local, domain)
        if draft.reply_to:
            head["Reply-To"] = mailbox(draft.reply_to, caps, "sender")
        personal = []
        for name, value in draft.headers:
            if name.lower() in RESERVED:
                raise ValueError(f"{name} is written by the builder itself")
            if placeholders(value):
                personal.append((name, value))
            else:
                head[name] = clean_header(fill(value, {}))
        folded_head = head.as_string(policy=policy.clone(linesep="\r\n")).removesuffix("\r\n")
        subject = (
            None
            if placeholders(draft.subject)
            else _fold("Subject", clean_header(fill(draft.subject, {})), policy)
        )
        body = EmailMessage(policy=policy)
        body.set_content(_SLOT.format(0), cte="7bit")
        parts = [draft.text]
        if draft.html is not None:
            body.add_alternative(_SLOT.format(1), subtype="html", cte="7bit")
            parts.append(draft.html)
        skeleton = body.as_string(policy=policy.clone(linesep="\r\n"))
        # Slots: each part's transfer encoding, then its payload, in the email package's layout.
        cte = "Content-Transfer-Encoding: 7bit\r\n"
        assert skeleton.count(cte) == len(parts), "the email package's layout changed"
        skeleton = skeleton.replace(cte, "Content-Transfer-Encoding: \x00\r\n")
        for index in range(len(parts)):
            skeleton = skeleton.replace(f"{_SLOT.format(index)}\r\n", "\x00")
        boundary = body.get_boundary()
        shape = _Shape(
            caps, folded_head, personal, subject, skeleton.split("\x00"), sender, boundary
        )
        self._shapes[caps] = shape
        return shape


def build(draft: Draft, to: str, caps: Capabilities) -> Outgoing:
    """A one-off message (confirmation, sign-in link, test) through the same builder."""
    return Template(draft).render(to, caps)
