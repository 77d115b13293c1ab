"""The development mail sink: an SMTP server that keeps every message and a page to read them."""

from __future__ import annotations

import email
import email.policy
import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True, slots=True)
class Message:
    """One message as it arrived."""

    id: int
    received_at: str
    mail_from: str
    rcpt_to: list[str]
    raw: bytes

    def parsed(self) -> email.message.EmailMessage:
        """The message parsed with the modern policy (headers decoded)."""
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed

    def summary(self) -> dict[str, Any]:
        """Sender, recipients, subject: for the page and the JSON API."""
        parsed = self.parsed()
        body = parsed.get_body(preferencelist=("plain", "html"))
        return {
            "id": self.id,
            "received_at": self.received_at,
            "mail_from": self.mail_from,
            "rcpt_to": self.rcpt_to,
            "subject": str(parsed.get("Subject", "")),
            "from": str(parsed.get("From", "")),
            "to": str(parsed.get("To", "")),
            "text": body.get_content() if body is not None else "",
        }


class Sink:
    """aiosmtpd handler that keeps messages in memory and as .eml files."""

    def __init__(self, folder: Path | None = None) -> None:
        self.messages: list[Message] = []
        self.folder = folder
        if folder:
            folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message."""
        raw = envelope.original_content or b""
        message = Message(
            id=len(self.messages) + 1,
            received_at=datetime.now(UTC).isoformat(timespec="seconds"),
            mail_from=str(envelope.mail_from),
            rcpt_to=[str(r) for r in envelope.rcpt_tos],
            raw=raw,
        )
        self.messages.append(message)
        if self.folder:
            (self.folder / f"{message.id:06d}.eml").write_bytes(raw)
        return "250 Message accepted for delivery"


def sink_app(sink: Sink) -> web.Application:
    """The sink's page (`/`), its JSON (`/messages`) and raw messages (`/messages/{id}.eml`)."""
    app = web.Application()

    async def index(_: web.Request) -> web.Response:
        rows = "".join(
            "<tr><td>{id}</td><td>{received_at}</td><td>{sender}</td><td>{to}</td>"
            '<td><a href="/messages/{id}.eml">{subject}</a></td></tr>'.format(
                id=m["id"],
                received_at=html.escape(m["received_at"]),
                sender=html.escape(m["from"] or m["mail_from"]),
                to=html.escape(", ".join(m["rcpt_to"])),
                subject=html.escape(m["subject"] or "(no subject)"),
            )
            for m in (msg.summary() for msg in reversed(sink.messages))
        )
        page = (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>Kontakt mail sink</title>'
            "<h1>Kontakt development mail sink</h1><p>Nothing sent here leaves this machine.</p>"
            "<table><thead><tr><th>#</th><th>Received</th><th>From</th><th>To</th>"
            f"<th>Subject</th></tr></thead><tbody>{rows}</tbody></table></html>"
        )
        return web.Response(text=page, content_type="text/html")

    async def messages(_: web.Request) -> web.Response:
        body = json.dumps([m.summary() for m in sink.messages], ensure_ascii=False)
        return web.Response(text=body, content_type="application/json")

    async def raw(request: web.Request) -> web.Response:
        wanted = request.match_info["id"]
        for message in sink.messages:
            if str(message.id) == wanted:
                return web.Response(body=message.raw, content_type="message/rfc822")
        raise web.HTTPNotFound()

    app.router.add_get("/", index)
    app.router.add_get("/messages", messages)
    app.router.add_get("/messages/{id}.eml", raw)
    return app
