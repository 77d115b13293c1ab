"""Sending mail over SMTP (any server, or the development sink), with headers that cannot break."""

from __future__ import annotations

import email.utils
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import urlsplit

import aiosmtplib

from shared.settings import Settings


def clean_header(value: str) -> str:
    """No CR, LF or other control character may reach a header, whatever the input."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


def message(
    *,
    from_name: str,
    from_address: str,
    to: str,
    subject: str,
    body: str,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A plain-text UTF-8 message; names with diacritics are encoded by the email package."""
    mail = EmailMessage()
    local, _, domain = from_address.partition("@")
    mail["From"] = Address(clean_header(from_name), local, domain)
    mail["To"] = clean_header(to)
    mail["Subject"] = clean_header(subject)
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = email.utils.make_msgid(domain=domain or None)
    if reply_to:
        mail["Reply-To"] = clean_header(reply_to)
    for name, value in (headers or {}).items():
        mail[name] = clean_header(value)
    mail.set_content(body)
    return mail


async def send(
    settings: Settings,
    mail: EmailMessage | bytes,
    envelope_from: str | None = None,
    recipients: list[str] | None = None,
) -> None:
    """Deliver through SMTP_URL (smtp://user:pass@host:port, smtps:// for implicit TLS).

    Bytes need `envelope_from` and `recipients`; a message object supplies its own.
    """
    if not settings.smtp_url:
        raise RuntimeError("KONTAKT_SMTP_URL is not set")
    url = urlsplit(settings.smtp_url)
    await aiosmtplib.send(
        mail,
        sender=envelope_from,
        recipients=recipients,
        hostname=url.hostname or "127.0.0.1",
        port=url.port or (465 if url.scheme == "smtps" else 25),
        username=url.username or None,
        password=url.password or None,
        use_tls=url.scheme == "smtps",
        start_tls=None if url.scheme == "smtp" else False,
        timeout=settings.http_timeout * 2,
    )
