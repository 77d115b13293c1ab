"""Polling a mailbox over IMAP (the standard library's imaplib) for installations whose
returned mail lands in a hosted mailbox.

`KONTAKT_IMAP_URL` names it: `imaps://user:password@host:993/INBOX` (or `imap://` with
STARTTLS when offered). Each poll reads the unseen messages and hands each to the same
intake as the LMTP listener. What was about Kontakt's mail (a report, an auto-reply) is
deleted; what was not (a person's reply, anything else) and what could not be read stay in
the mailbox marked seen (the unreadable also flagged), for a person to read: nothing a
human wrote is thrown away. A message whose handling failed (PostgreSQL away) stays unseen
for the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import imaplib
import logging
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from urllib.parse import unquote, urlsplit

import asyncpg
from aiohttp import web

from services.mailing.keys import IMAP_EXECUTOR
from services.mailing.returns import verp
from services.mailing.returns.intake import Intake
from shared.errors import DB_DOWN
from shared.web import background_ctx

log = logging.getLogger("kontakt.mailing.imap")
BATCH = 200
# imaplib blocks; its calls run in threads of the poller's own (one poll at a time), so a
# mailbox that answers slowly, or not at all until the timeout, holds one of these and never
# one of the loop's default threads, which rendering and DKIM signing share.
IMAP_THREADS = 1
# IMAP flags (RFC 9051 §2.3.2) per disposition: reports and auto-replies about our mail go;
# anything else stays for a person, seen so it is not read again.
DELETE, KEEP, UNREADABLE = r"(\Deleted)", r"(\Seen)", r"(\Seen \Flagged)"
# The intake's reasons for mail that was not about a message Kontakt sent.
NOT_OURS = ("unknown", "not about a message Kontakt sent")
# Where the address a message was delivered to is kept, most reliable first.
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """Where to poll, from an `imap://` or `imaps://` URL."""

    host: str
    port: int
    user: str
    password: str
    folder: str
    tls: bool

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        """Parse the URL; ValueError names what is wrong."""
        parts = urlsplit(url)
        if parts.scheme not in {"imap", "imaps"} or not parts.hostname or not parts.username:
            raise ValueError("expected imap[s]://user:password@host[:port]/FOLDER")
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if parts.scheme == "imaps" else 143),
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            tls=parts.scheme == "imaps",
        )

    @contextlib.contextmanager
    def session(self, timeout: float) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection with the folder selected."""
        client: imaplib.IMAP4
        if self.tls:
            client = imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=ssl.create_default_context(), timeout=timeout
            )
        else:
            client = imaplib.IMAP4(self.host, self.port, timeout=timeout)
            if "STARTTLS" in client.capabilities:
                client.starttls(ssl.create_default_context())
        try:
            client.login(self.user, self.password)
            typ, _ = client.select(_quoted(self.folder))
            if typ != "OK":
                raise imaplib.IMAP4.error(f"cannot select {self.folder!r}")
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def fetch(self, timeout: float) -> list[tuple[bytes, bytes]]:
        """Up to BATCH unseen messages as (uid, raw), left unseen and in place."""
        found: list[tuple[bytes, bytes]] = []
        with self.session(timeout) as client:
            typ, data = client.uid("SEARCH", "UNSEEN")
            uids = data[0].split()[:BATCH] if typ == "OK" and data and data[0] else []
            for uid in uids:
                typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if typ == "OK" and isinstance(raw, bytes):
                    found.append((uid, raw))
        return found

    def settle(self, handled: dict[bytes, str], timeout: float) -> None:
        """Set each message's flags (`Disposition`), then remove the ones marked deleted."""
        if not handled:
            return
        with self.session(timeout) as client:
            for flags in set(handled.values()):
                uids = b",".join(uid for uid, f in handled.items() if f == flags).decode()
                client.uid("STORE", uids, "+FLAGS.SILENT", flags)
            if DELETE in handled.values():
                client.expunge()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def delivered_to(raw: bytes, intake: Intake) -> str:
    """The address a polled message came to: a VERP address of ours if any header has one."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    seen = []
    for name in ENVELOPE_HEADERS:
        for _, address in getaddresses([str(v) for v in headers.get_all(name, [])]):
            if verp.read_address(intake.settings, address) is not None:
                return address
            seen.append(address)
    return seen[0] if seen else ""


async def poll_once(intake: Intake, mailbox: Mailbox, executor: Executor) -> int:
    """One poll: read, hand over, delete what was ours, keep the rest; the number handled."""
    timeout = intake.settings.http_timeout * 2
    loop = asyncio.get_running_loop()
    messages = await loop.run_in_executor(executor, mailbox.fetch, timeout)
    handled: dict[bytes, str] = {}
    for uid, raw in messages:
        try:
            outcome = await intake.take(delivered_to(raw, intake), raw, "imap")
        except (*DB_DOWN, asyncpg.PostgresError) as exc:
            log.warning("returned mail left in the mailbox: %s", type(exc).__name__)
            break
        except Exception:  # one unreadable message must not block the mailbox for ever
            log.exception("a returned message could not be read; it stays, flagged")
            handled[uid] = UNREADABLE
            continue
        ours = not (outcome.action == "ignored" and outcome.reason in NOT_OURS)
        handled[uid] = DELETE if ours else KEEP
    await loop.run_in_executor(executor, mailbox.settle, handled, timeout)
    return len(handled)


def mailbox_ctx(
    intake_of: Callable[[web.Application], Intake], url: str, interval: float
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx polling `url` every `interval` seconds for the app's life, in threads of
    its own (`IMAP_EXECUTOR`), closed when the app stops."""
    mailbox = Mailbox.from_url(url)

    async def run(intake: Intake, executor: Executor, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await poll_once(intake, mailbox, executor)
            except (OSError, imaplib.IMAP4.error, TimeoutError) as exc:
                log.warning("mailbox poll failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    polling = contextlib.asynccontextmanager(
        background_ctx(lambda app, stop: run(intake_of(app), app[IMAP_EXECUTOR], stop))
    )

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        executor = ThreadPoolExecutor(max_workers=IMAP_THREADS, thread_name_prefix="kontakt-imap")
        app[IMAP_EXECUTOR] = executor
        try:
            async with polling(app):
                yield
        finally:
            # Not waited for: a call a stalled mailbox holds ends at its socket's timeout.
            executor.shutdown(wait=False, cancel_futures=True)

    return ctx
