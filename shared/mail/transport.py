"""The one SMTP transport: settings people can use, TLS that fails closed, replies by phase.

`KONTAKT_SMTP_URL` (`smtp://user:password@host:587`, userinfo percent-decoded as RFC 3986
says; `smtps://` for implicit TLS), `KONTAKT_SMTP_TLS` (`starttls`: required, fails closed
when the server does not offer it; `implicit`; `none`; unset: STARTTLS when offered),
`KONTAKT_SMTP_PASSWORD_FILE` and `KONTAKT_SMTP_CA_FILE`. A password is never sent over a
connection without TLS unless `KONTAKT_SMTP_PLAIN_AUTH` says so.

SMTP is spoken only by background senders: never inside a request handler, never while
the task holds a database connection (both refused here, so a test can hold them).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

from shared.db import holding_connection
from shared.logs import request_id_var
from shared.mail.message import Capabilities, Outgoing, Undeliverable
from shared.mail.replies import Phase, Refusal
from shared.settings import Settings, SettingsError

TLS_MODES = ("starttls", "implicit", "none")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to reach the SMTP server, checked when a service starts."""

    host: str
    port: int
    tls: str | None  # starttls, implicit, none; None: STARTTLS when offered
    username: str | None
    password: str | None
    plain_auth: bool
    ca_file: str | None
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        """The transport settings, or a SettingsError naming the variable at fault."""
        if not settings.smtp_url:
            raise SettingsError("KONTAKT_SMTP_URL is not set")
        url = urlsplit(settings.smtp_url)
        if url.scheme not in {"smtp", "smtps"}:
            raise SettingsError("KONTAKT_SMTP_URL must start with smtp:// or smtps://")
        try:
            port = url.port
        except ValueError as exc:
            raise SettingsError(f"KONTAKT_SMTP_URL has a bad port: {exc}") from exc
        tls = settings.smtp_tls or ("implicit" if url.scheme == "smtps" else None)
        if url.scheme == "smtps" and tls != "implicit":
            raise SettingsError(
                f"KONTAKT_SMTP_URL says smtps:// (implicit TLS) but KONTAKT_SMTP_TLS says {tls}"
            )
        password = unquote(url.password) if url.password is not None else None
        if settings.smtp_password_file:
            try:
                password = Path(settings.smtp_password_file).read_text(encoding="utf-8")
            except OSError as exc:
                raise SettingsError(f"KONTAKT_SMTP_PASSWORD_FILE cannot be read: {exc}") from exc
            password = password.rstrip("\r\n")
        return cls(
            host=url.hostname or "127.0.0.1",
            port=port or (465 if tls == "implicit" else 25),
            tls=tls,
            username=unquote(url.username) if url.username else None,
            password=password,
            plain_auth=settings.smtp_plain_auth,
            ca_file=settings.smtp_ca_file,
            timeout=settings.http_timeout * 2,
        )


class TransportError(Exception):
    """The connection cannot be made as configured (no STARTTLS, no AUTH over plain…)."""


def refuse_in_request_or_transaction() -> None:
    """SMTP waits on another server: never inside a request, never holding a connection."""
    if request_id_var.get() is not None:
        raise RuntimeError("SMTP is not spoken inside a request: record the mail in an outbox")
    if holding_connection():
        raise RuntimeError("SMTP is not spoken while a database connection is held")


class Connection:
    """One open, greeted (and, as configured, encrypted and authenticated) SMTP session."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self.client = client
        self.caps = Capabilities(
            smtputf8=client.supports_extension("smtputf8"),
            eightbitmime=client.supports_extension("8bitmime"),
        )

    async def send(self, message: Outgoing) -> str:
        """Send one message; a refusal raises `Refusal` naming the phase it came in."""
        refuse_in_request_or_transaction()
        try:
            _, reply = await self.client.sendmail(
                message.sender, [message.recipient], message.data, mail_options=message.options
            )
        except aiosmtplib.SMTPSenderRefused as exc:
            raise Refusal(Phase.MAIL, exc.code, exc.message) from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            raise Refusal(
                Phase.RCPT, first.code if first else 554, first.message if first else ""
            ) from exc
        except aiosmtplib.SMTPDataError as exc:
            raise Refusal(Phase.DATA, exc.code, exc.message) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise Refusal(Phase.DATA, exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise Refusal(Phase.DATA, 451, f"the connection failed: {_describe(exc)}") from exc
        return reply


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Transport:
    """Up to `size` open connections to the configured server, reused between messages."""

    def __init__(self, config: SmtpConfig, size: int = 1) -> None:
        self.config = config
        self.size = size
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(size)
        self._context: ssl.SSLContext | None = None

    def _tls(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context(cafile=self.config.ca_file)
        return self._context

    async def _connect(self) -> Connection:
        """Connect, greet, STARTTLS and AUTH as configured; a Refusal at phase CONNECT if not."""
        refuse_in_request_or_transaction()
        config = self.config
        implicit = config.tls == "implicit"
        client = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            use_tls=implicit,
            start_tls=False,
            tls_context=self._tls() if implicit else None,
            timeout=config.timeout,
        )
        try:
            await client.connect()
            await client.ehlo()
            secure = implicit
            if config.tls != "none" and not implicit:
                if client.supports_extension("starttls"):
                    await client.starttls(tls_context=self._tls())
                    secure = True
                elif config.tls == "starttls":
                    raise TransportError(
                        "the mail server does not offer STARTTLS, and KONTAKT_SMTP_TLS=starttls "
                        "requires it"
                    )
            if config.username:
                if not secure and not config.plain_auth:
                    raise TransportError(
                        "the connection to the mail server is not encrypted, so the password "
                        "is not sent (set KONTAKT_SMTP_TLS, or KONTAKT_SMTP_PLAIN_AUTH=true to "
                        "allow it)"
                    )
                await client.login(config.username, config.password or "")
        except TransportError as exc:
            client.close()
            raise Refusal(Phase.CONNECT, 530, str(exc), permanent=True) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            client.close()
            raise Refusal(Phase.CONNECT, exc.code, f"AUTH refused: {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            raise Refusal(Phase.CONNECT, exc.code, exc.message) from exc
        except ssl.SSLError as exc:
            client.close()
            raise Refusal(Phase.CONNECT, 530, f"TLS failed: {exc}", permanent=True) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()
            raise Refusal(Phase.CONNECT, 421, _describe(exc)) from exc
        return Connection(client)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """An open connection; one that failed is dropped instead of going back to the pool."""
        async with self.slots:
            conn = self.idle.pop() if self.idle else None
            if conn is None or not conn.client.is_connected:
                conn = await self._connect()
            try:
                yield conn
            except Refusal as refusal:
                # A refused message leaves the session usable (aiosmtplib sent RSET); 421 ends it.
                if refusal.code == 421:
                    conn.client.close()
                else:
                    self._keep(conn)
                raise
            except Undeliverable:
                self._keep(conn)  # nothing was said to the server about this one
                raise
            except BaseException:
                conn.client.close()
                raise
            else:
                self._keep(conn)

    def _keep(self, conn: Connection) -> None:
        if conn.client.is_connected and len(self.idle) < self.size:
            self.idle.append(conn)
        else:
            conn.client.close()

    async def close(self) -> None:
        """Say QUIT on every idle connection."""
        idle, self.idle = self.idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                await conn.client.quit()


async def send_one(config: SmtpConfig, make: Callable[[Capabilities], Outgoing]) -> str:
    """Connect, build the message for what the server offers, send it, say QUIT."""
    transport = Transport(config)
    try:
        async with transport.connection() as conn:
            return await conn.send(make(conn.caps))
    finally:
        await transport.close()
