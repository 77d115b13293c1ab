"""The development mail sink: an SMTP server that keeps every message and pages to read them.

Messages live in a folder as `NNNNNN.eml` with the envelope beside it (`NNNNNN.json`); a
restart reads them back and numbers new mail after the last one, never over an older file.
"""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

# Links in a text part: what a person would click, without trailing punctuation.
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
# The sink's own pages: no script at all; the HTML part only ever in a sandboxed frame.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src data:"
# A message's HTML part, served for the frame: sandboxed even if opened on its own, no
# script, no request anywhere (remote images would tell a sender the mail was read).
PART_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
STYLE = (
    # Long words (addresses, links, header values) wrap anywhere: nothing widens the page.
    "body{font:15px/1.45 system-ui,sans-serif;margin:1rem;color:#1b1f23;"
    "overflow-wrap:anywhere}"
    "table{border-collapse:collapse;width:100%}td,th{padding:.25rem .5rem;text-align:left;"
    "border-bottom:1px solid #d0d7de;vertical-align:top}"
    # On a phone the list's rows are stacked cards: five columns never fit 375 px.
    "@media (max-width:40rem){.list thead{display:none}.list tr{display:block;"
    "border-bottom:1px solid #d0d7de;padding:.25rem 0}.list td{display:block;border:0;"
    "padding:0 .5rem}}"
    ".message{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem}"
    "@media (max-width:50rem){.message{grid-template-columns:minmax(0,1fr)}}"
    "iframe{width:100%;height:70vh;border:1px solid #d0d7de}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.5rem}"
)


@dataclass(frozen=True, slots=True)
class Message:
    """One message as it arrived."""

    id: int
    received_at: str
    mail_from: str
    rcpt_to: list[str]
    raw: bytes

    def parsed(self) -> EmailMessage:
        """The message parsed with the modern policy (headers decoded)."""
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def part(self, subtype: str) -> str | None:
        """The text/`subtype` body, its transfer encoding and charset undone; None if absent."""
        body = self.parsed().get_body(preferencelist=(subtype,))
        return None if body is None else str(body.get_content())

    def summary(self) -> dict[str, Any]:
        """Sender, recipients, subject: for the page and the JSON API."""
        parsed = self.parsed()
        body = parsed.get_body(preferencelist=("plain", "html"))
        return {
            "id": self.id,
            "received_at": self.received_at,
            "mail_from": self.mail_from,
            "rcpt_to": self.rcpt_to,
            "subject": header(parsed, "Subject"),
            "from": header(parsed, "From"),
            "to": header(parsed, "To"),
            "text": body.get_content() if body is not None else "",
        }


def header(parsed: EmailMessage, name: str) -> str:
    """A header's decoded value without the white space a fold right after its name leaves
    (RFC 5322 2.2.3: `Subject:` CRLF SP `=?utf-8?…` is the same subject, unfolded)."""
    return str(parsed.get(name, "")).strip()


class Sink:
    """aiosmtpd handler that keeps messages in memory and, given a folder, on disk."""

    def __init__(self, folder: Path | None = None) -> None:
        self.messages: list[Message] = []
        self.folder = folder
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            self.messages = _read_folder(folder)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message."""
        raw = envelope.original_content or b""
        number = self.messages[-1].id + 1 if self.messages else 1
        if self.folder:
            number = _claim_number(self.folder, number)
        message = Message(
            id=number,
            received_at=datetime.now(UTC).isoformat(timespec="seconds"),
            mail_from=str(envelope.mail_from),
            rcpt_to=[str(r) for r in envelope.rcpt_tos],
            raw=raw,
        )
        if self.folder:
            (self.folder / f"{number:06d}.eml").write_bytes(raw)
            envelope_data = {
                "received_at": message.received_at,
                "mail_from": message.mail_from,
                "rcpt_to": message.rcpt_to,
            }
            (self.folder / f"{number:06d}.json").write_text(json.dumps(envelope_data))
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def find(self, wanted: str) -> Message:
        """The message numbered `wanted`, else 404."""
        for message in self.messages:
            if str(message.id) == wanted:
                return message
        raise web.HTTPNotFound()


def _claim_number(folder: Path, number: int) -> int:
    """The first free number from `number` on, taken by creating its file exclusively."""
    while True:
        try:
            (folder / f"{number:06d}.eml").open("xb").close()
            return number
        except FileExistsError:
            number += 1


def _read_folder(folder: Path) -> list[Message]:
    """The messages kept by earlier runs, in their numbers' order."""
    found = []
    for path in sorted(folder.glob("[0-9]*.eml")):
        if not path.stem.isdigit():
            continue
        envelope_file = path.with_suffix(".json")
        try:
            envelope = json.loads(envelope_file.read_text()) if envelope_file.exists() else {}
        except ValueError:
            envelope = {}
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        found.append(
            Message(
                id=int(path.stem),
                received_at=str(envelope.get("received_at", stamp)),
                mail_from=str(envelope.get("mail_from", "")),
                rcpt_to=[str(r) for r in envelope.get("rcpt_to", [])],
                raw=path.read_bytes(),
            )
        )
    return sorted(found, key=lambda m: m.id)


def linked(text: str) -> str:
    """Plain text as HTML: escaped, with every http(s) URL a link that opens in a new tab."""
    out, last = [], 0
    for match in URL.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href not in self.found:
            self.found.append(href)


def _links(markup: str) -> list[str]:
    """The links of an HTML part, entities decoded, each once."""
    parser = _Hrefs()
    parser.feed(markup)
    return parser.found


def _page(title: str, body: str) -> web.Response:
    text = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
    return web.Response(
        text=text,
        content_type="text/html",
        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"},
    )


def _message_page(message: Message) -> web.Response:
    parsed = message.parsed()
    subject = header(parsed, "Subject") or "(no subject)"
    headers = "".join(
        f"<tr><th scope='row'>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in parsed.items()
    )
    envelope = (
        f"<tr><th scope='row'>MAIL FROM</th><td>{html.escape(message.mail_from)}</td></tr>"
        f"<tr><th scope='row'>RCPT TO</th><td>{html.escape(', '.join(message.rcpt_to))}</td></tr>"
    )
    text = message.part("plain")
    shown_html = (
        f'<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'title="HTML part" src="/messages/{message.id}/part.html"></iframe>'
        if message.part("html") is not None
        else "<p>No HTML part.</p>"
    )
    shown_text = f"<pre>{linked(text)}</pre>" if text is not None else "<p>No text part.</p>"
    hrefs = _links(message.part("html") or "")
    if hrefs:
        items = "".join(f"<li>{linked(href)}</li>" for href in hrefs)
        shown_html += f"<h2>Links in the HTML part</h2><ul>{items}</ul>"
    body = (
        f'<p><a href="/">All messages</a> · <a href="/messages/{message.id}.eml">'
        f"Download .eml</a></p><h1>{html.escape(subject)}</h1>"
        f'<div class="message"><section><h2>HTML part</h2>{shown_html}</section>'
        f"<section><h2>Text part</h2>{shown_text}<h2>Headers</h2>"
        f"<table><tbody>{envelope}{headers}</tbody></table></section></div>"
    )
    return _page(subject, body)


def sink_app(sink: Sink) -> web.Application:
    """The list (`/`), one message (`/messages/{id}`), JSON (`/messages`), raw `.eml`."""
    app = web.Application()

    async def index(_: web.Request) -> web.Response:
        rows = "".join(
            "<tr><td>{id}</td><td>{received_at}</td><td>{sender}</td><td>{to}</td>"
            '<td><a href="/messages/{id}">{subject}</a></td></tr>'.format(
                id=m["id"],
                received_at=html.escape(m["received_at"]),
                sender=html.escape(m["from"] or m["mail_from"]),
                to=html.escape(", ".join(m["rcpt_to"])),
                subject=html.escape(m["subject"] or "(no subject)"),
            )
            for m in (msg.summary() for msg in reversed(sink.messages))
        )
        return _page(
            "Kontakt mail sink",
            "<h1>Kontakt development mail sink</h1><p>Nothing sent here leaves this machine.</p>"
            "<table class=list><thead><tr><th>#</th><th>Received</th><th>From</th><th>To</th>"
            f"<th>Subject</th></tr></thead><tbody>{rows}</tbody></table>",
        )

    async def messages(_: web.Request) -> web.Response:
        body = json.dumps([m.summary() for m in sink.messages], ensure_ascii=False)
        return web.Response(text=body, content_type="application/json")

    async def one(request: web.Request) -> web.Response:
        return _message_page(sink.find(request.match_info["id"]))

    async def part(request: web.Request) -> web.Response:
        shown = sink.find(request.match_info["id"]).part("html")
        if shown is None:
            raise web.HTTPNotFound()
        # Links in the mail open in a new tab: the frame itself may not navigate the page.
        base = '<base target="_blank">'
        head = HEAD.search(shown)
        shown = shown[: head.end()] + base + shown[head.end() :] if head else base + shown
        return web.Response(
            text=shown,
            content_type="text/html",
            headers={"Content-Security-Policy": PART_CSP, "Cache-Control": "no-store"},
        )

    async def raw(request: web.Request) -> web.Response:
        message = sink.find(request.match_info["id"])
        return web.Response(body=message.raw, content_type="message/rfc822")

    app.router.add_get("/", index)
    app.router.add_get("/messages", messages)
    app.router.add_get(r"/messages/{id:\d+}", one)
    app.router.add_get(r"/messages/{id:\d+}/part.html", part)
    app.router.add_get(r"/messages/{id:\d+}.eml", raw)
    return app
