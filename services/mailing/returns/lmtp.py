"""An LMTP listener (RFC 2033, aiosmtpd) that the MTA hands returned mail to.

Postfix or Exim delivers `bounces+*`, `unsubscribe+*` and the feedback-loop address here;
each recipient gets its own reply after DATA, as LMTP wants: 250 when the message was
handled (or is not ours: ignoring is handling), 451 when PostgreSQL is away, so the MTA
keeps the message and tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import asyncpg
from aiohttp import web
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.mailing.returns.intake import Intake
from shared.errors import DB_DOWN

log = logging.getLogger("kontakt.mailing.lmtp")
MAX_MESSAGE = 10 * 1024 * 1024  # reports enclose the original; ours are far smaller


class Handler:
    """aiosmtpd hooks: accept any recipient the MTA routed here, answer each after DATA."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Every recipient is taken; what is not ours is ignored after reading."""
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """One reply line per recipient (RFC 2033 section 4.2)."""
        raw = envelope.original_content or envelope.content or b""
        # aiosmtpd's decode_data is off here, so this is bytes; text would be a caller's change.
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
        replies = []
        for recipient in envelope.rcpt_tos:
            try:
                outcome = await self.intake.take(recipient, data, "lmtp")
            except (*DB_DOWN, asyncpg.PostgresError) as exc:
                log.warning("returned mail kept by the MTA for later: %s", type(exc).__name__)
                replies.append("451 4.3.0 Temporary failure, try again later")
                continue
            except Exception:  # one bad message must not stop the listener
                log.exception("returned mail could not be read")
                replies.append("250 2.0.0 Accepted, not understood")
                continue
            replies.append(f"250 2.0.0 {outcome.action}")
        return "\r\n".join(replies)


async def serve(intake: Intake, host: str, port: int) -> asyncio.Server:
    """Start listening; the server is closed by the caller."""
    loop = asyncio.get_running_loop()
    handler = Handler(intake)
    return await loop.create_server(
        lambda: LMTP(
            handler,
            enable_SMTPUTF8=True,
            data_size_limit=MAX_MESSAGE,
            hostname="kontakt-returns",
            ident="Kontakt returns",
        ),
        host,
        port,
    )


def lmtp_ctx(
    intake_of: Callable[[web.Application], Intake], host: str, port: int
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx that runs the listener for the app's life."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        server = await serve(intake_of(app), host, port)
        log.info("LMTP listener on %s:%s", host, port)
        try:
            yield
        finally:
            server.close()
            await server.wait_closed()

    return ctx
