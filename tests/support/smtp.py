"""Real SMTP servers for tests: aiosmtpd with chosen extensions, and Postfix's smtp-sink."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import ssl
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from bench import postfix
from tests.support.ports import Reserved


@dataclass
class Received:
    """One message as a server took it: envelope, MAIL parameters, bytes."""

    mail_from: str
    rcpt_to: list[str]
    options: list[str]
    raw: bytes

    def parsed(self) -> EmailMessage:
        """Parsed with the email package (policy SMTP, or SMTPUTF8), checking the line limit."""
        for line in self.raw.split(b"\r\n"):
            assert len(line) <= 998, f"a line of {len(line)} octets (RFC 5322 2.1.1)"
        if self.raw.isascii():
            message = email.message_from_bytes(self.raw, policy=email.policy.SMTP)
        else:
            # RFC 6532: UTF-8 header text, which the bytes parser would leave undecoded.
            text = self.raw.decode("utf-8")
            message = email.message_from_string(text, policy=email.policy.SMTPUTF8)
        assert isinstance(message, EmailMessage)
        assert not message.defects, message.defects
        return message


@dataclass
class Recorder:
    """aiosmtpd handler that keeps what it is given and refuses what a test asks it to."""

    received: list[Received] = field(default_factory=list)
    # address -> reply, for RCPT; and a reply for MAIL FROM after `mail_ok` messages.
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    mail_reply: str | None = None
    mail_ok: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """MAIL FROM: the configured refusal once `mail_ok` messages were taken."""
        if self.mail_reply and len(self.received) >= self.mail_ok:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """RCPT TO: a configured reply for the address, else accepted."""
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message."""
        raw = envelope.original_content or b""
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), envelope.mail_options, raw)
        )
        return "250 2.0.0 Ok: queued"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """AUTH: remembers the decoded user and password, accepts one pair."""
        assert isinstance(data, LoginPassword)
        pair = (data.login.decode(), data.password.decode())
        self.logins.append(pair)
        return AuthResult(success=pair == ("list@example.ee", "p/a@s#s%w:rd"))


@dataclass
class Server:
    """A running SMTP server on 127.0.0.1."""

    port: int
    handler: Recorder
    ca_file: str | None = None

    def url(self, userinfo: str = "", scheme: str = "smtp") -> str:
        """An SMTP URL for this server, with optional `user:password@`."""
        return f"{scheme}://{userinfo}127.0.0.1:{self.port}"


_CA: trustme.CA | None = None


def _ca() -> trustme.CA:
    global _CA
    if _CA is None:
        _CA = trustme.CA()
    return _CA


@asynccontextmanager
async def smtp_server(
    handler: Recorder | None = None,
    *,
    smtputf8: bool = False,
    eightbit: bool = True,
    starttls: bool = False,
    implicit_tls: bool = False,
    auth: bool = False,
    auth_over_plain: bool = False,
    reserved: Reserved | None = None,
) -> AsyncIterator[Server]:
    """An aiosmtpd server offering exactly the extensions asked for.

    Without `eightbit` the server is strict 7-bit (no 8BITMIME; 8-bit data is refused), and
    without `smtputf8` non-ASCII envelope addresses are refused, as RFC 6531 servers do.
    """
    handler = handler or Recorder()
    ca = _ca()
    ca_file = None
    tls: ssl.SSLContext | None = None
    if starttls or implicit_tls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
        folder = Path(tempfile.mkdtemp(prefix="kontakt-ca-"))
        ca_file = str(folder / "ca.pem")
        ca.cert_pem.write_to_path(ca_file)
    reserved = reserved or Reserved()
    loop = asyncio.get_running_loop()

    def factory() -> SMTP:
        return SMTP(
            handler,
            enable_SMTPUTF8=smtputf8,
            decode_data=not eightbit and not smtputf8,
            tls_context=tls if starttls else None,
            authenticator=handler.authenticate if auth else None,
            auth_require_tls=not auth_over_plain,
        )

    server = await loop.create_server(
        factory, sock=reserved.sock, ssl=tls if implicit_tls else None
    )
    try:
        yield Server(reserved.port, handler, ca_file)
    finally:
        server.close()


@dataclass
class Sink:
    """Postfix's smtp-sink, dumping every transaction to a file."""

    port: int
    folder: Path
    process: asyncio.subprocess.Process

    def received(self) -> list[Received]:
        """Each dumped transaction: smtp-sink's own X- lines, then the message as sent."""
        found = []
        for path in sorted(self.folder.iterdir()):
            text = path.read_bytes().replace(b"\r\n", b"\n")
            head, _, rest = text.partition(b"\nReceived: ")
            fields = dict(line.split(b": ", 1) for line in head.split(b"\n") if b": " in line)
            # The Received: header smtp-sink adds takes three lines, then the message.
            message = b"\n".join(rest.split(b"\n")[3:]).rstrip(b"\n") + b"\n"
            mail_args = fields.get(b"X-Mail-Args", b"").decode()
            found.append(
                Received(
                    mail_args.split()[0].strip("<>") if mail_args else "",
                    [fields.get(b"X-Rcpt-Args", b"").decode().strip("<>")],
                    mail_args.split()[1:],
                    message.replace(b"\n", b"\r\n"),
                )
            )
        return found


@asynccontextmanager
async def postfix_sink(*options: str) -> AsyncIterator[Sink]:
    """smtp-sink on a free port, with smtp-sink's own `options` (e.g. -8: no 8BITMIME)."""
    tool = postfix.tool("smtp-sink")
    assert tool, "Postfix's smtp-sink is installed by .ci/run"
    folder = Path(tempfile.mkdtemp(prefix="kontakt-smtp-sink-"))
    os.chmod(folder, 0o777)  # noqa: S103 (smtp-sink writes as an unprivileged user)
    # smtp-sink binds its own address (it takes no passed socket): it binds our reserved port
    # beside our socket (both SO_REUSEADDR, ours never listens), and while ours is open the
    # system gives that port to no one else.
    reserved = Reserved()
    port = reserved.port
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    process = await asyncio.create_subprocess_exec(
        tool, *user, *options, "-d", f"{folder}/%H%M%S.", f"127.0.0.1:{port}", "32"
    )
    try:
        await postfix.listening(port)
        yield Sink(port, folder, process)
    finally:
        process.terminate()
        await process.wait()
        reserved.sock.close()
