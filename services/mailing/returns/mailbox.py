"""Polling a mailbox over IMAP (the standard library's imaplib) for installations whose
returned mail lands in a hosted mailbox.

`KONTAKT_IMAP_URL` names it: `imaps://user:password@host:993/INBOX` (or `imap://` with
STARTTLS when offered). Each poll reads the unseen messages and hands each to the same
intake as the LMTP listener. What was about Kontakt's mail (a report, an auto-reply) is
deleted; what was not (a person's reply, anything else) and what could not be read stay in
the mailbox marked seen (the unreadable also flagged), for a person to read: nothing a
human wrote is thrown away. A message whose handling failed (PostgreSQL away) stays unseen
for the next poll.

A poll's blocking calls run in a thread of the poller's own; its connection's socket is kept
on a `Line`, so the event loop can hang it up (which ends a read blocked in that thread at
once): when one read (a line, a message, the TLS handshake) has taken longer than the
timeout, however slowly the server trickles, and when the service stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import imaplib
import logging
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any, Literal
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
# How often the loop looks for a read past its deadline, at most.
WATCH_EVERY = 1.0


class Line:
    """The live IMAP connection's socket, for the loop to hang up from outside its thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # A duplicate of the connection's descriptor: it outlives TLS wrapping (which takes
        # over the original socket object), and being ours it is never a descriptor number
        # imaplib has closed and the process has reused for another connection.
        self._twin: socket.socket | None = None
        self._since: float | None = None
        self.closed = False

    def attach(self, sock: socket.socket) -> None:
        """Keep a handle on a connection just made; refused once the line is closed."""
        with self._lock:
            if self.closed:
                sock.close()
                raise ConnectionAbortedError("the service is stopping")
            self._twin = sock.dup()

    def detach(self) -> None:
        """Forget the connection (its session is over)."""
        with self._lock:
            twin, self._twin, self._since = self._twin, None, None
        if twin is not None:
            twin.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Time one read; a read within a read (STARTTLS's answer) is part of the outer one."""
        outer = self._since
        if outer is None:
            self._since = time.monotonic()
        try:
            yield
        finally:
            self._since = outer

    def overdue(self, deadline: float) -> bool:
        """A read has been waiting longer than `deadline` seconds."""
        since = self._since
        return since is not None and time.monotonic() - since > deadline

    def hang_up(self) -> None:
        """End the connection: a read blocked on it in the poller's thread fails at once."""
        with self._lock:
            if self._twin is not None:
                # shutdown, not close: it wakes a recv blocked on the other descriptor.
                with contextlib.suppress(OSError):
                    self._twin.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Hang up for good: the service is stopping, no connection is made any more."""
        with self._lock:
            self.closed = True
        self.hang_up()


class _Connection(imaplib.IMAP4):
    """imaplib's client with its socket on a `Line` and every read timed there."""

    def __init__(
        self, line: Line, host: str, port: int, timeout: float, tls: ssl.SSLContext | None
    ) -> None:
        self.line, self.tls = line, tls
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        # imaplib's one place (3.11 to 3.14) where the socket exists before anything is read
        # from it: the greeting, or a TLS handshake the server never answers, can be hung up.
        sock = socket.create_connection((self.host, self.port), timeout)
        self.line.attach(sock)
        if self.tls is None:
            return sock
        with self.line.reading():
            return self.tls.wrap_socket(sock, server_hostname=self.host)

    def readline(self) -> bytes:
        """One line, timed on the line."""
        with self.line.reading():
            return super().readline()

    def read(self, size: int) -> bytes:
        """One literal, timed on the line."""
        with self.line.reading():
            return super().read(size)

    def starttls(self, ssl_context: Any = None) -> tuple[Literal["OK"], list[None]]:
        """STARTTLS, its handshake timed on the line as one read."""
        with self.line.reading():
            return super().starttls(ssl_context)


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
    def session(self, timeout: float, line: Line | None = None) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection with the folder selected, its socket kept on `line`."""
        line = line or Line()
        try:
            tls = ssl.create_default_context()
            client = _Connection(line, self.host, self.port, timeout, tls if self.tls else None)
            try:
                if not self.tls and "STARTTLS" in client.capabilities:
                    client.starttls(tls)
                client.login(self.user, self.password)
                typ, _ = client.select(_quoted(self.folder))
                if typ != "OK":
                    raise imaplib.IMAP4.error(f"cannot select {self.folder!r}")
                yield client
            finally:
                with contextlib.suppress(Exception):
                    client.logout()
        finally:
            line.detach()

    def fetch(self, timeout: float, line: Line | None = None) -> list[tuple[bytes, bytes]]:
        """Up to BATCH unseen messages as (uid, raw), left unseen and in place."""
        found: list[tuple[bytes, bytes]] = []
        with self.session(timeout, line) as client:
            typ, data = client.uid("SEARCH", "UNSEEN")
            uids = data[0].split()[:BATCH] if typ == "OK" and data and data[0] else []
            for uid in uids:
                typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if typ == "OK" and isinstance(raw, bytes):
                    found.append((uid, raw))
        return found

    def settle(self, handled: dict[bytes, str], timeout: float, line: Line | None = None) -> None:
        """Set each message's flags (`Disposition`), then remove the ones marked deleted."""
        if not handled:
            return
        with self.session(timeout, line) as client:
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


async def poll_once(
    intake: Intake, mailbox: Mailbox, executor: Executor, line: Line | None = None
) -> int:
    """One poll: read, hand over, delete what was ours, keep the rest; the number handled."""
    timeout = intake.settings.http_timeout * 2
    loop = asyncio.get_running_loop()
    messages = await loop.run_in_executor(executor, mailbox.fetch, timeout, line)
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
    await loop.run_in_executor(executor, mailbox.settle, handled, timeout, line)
    return len(handled)


async def watch(line: Line, deadline: float, stop: asyncio.Event) -> None:
    """Hang up a read that has waited longer than `deadline`; once `stop` is set, for good."""
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(WATCH_EVERY, deadline / 4))
            if not stop.is_set() and line.overdue(deadline):
                # The socket's timeout is per recv: a byte every few seconds never reaches it.
                log.warning("the mailbox sent no whole answer in %gs; hung up", deadline)
                line.hang_up()
    finally:
        line.close()


def mailbox_ctx(
    intake_of: Callable[[web.Application], Intake], url: str, interval: float
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx polling `url` every `interval` seconds for the app's life, in threads of
    its own (`IMAP_EXECUTOR`), hung up and closed when the app stops."""
    mailbox = Mailbox.from_url(url)

    async def run(intake: Intake, executor: Executor, stop: asyncio.Event) -> None:
        line = Line()
        watching = asyncio.create_task(watch(line, intake.settings.http_timeout * 2, stop))
        try:
            while not stop.is_set():
                try:
                    await poll_once(intake, mailbox, executor, line)
                except (OSError, imaplib.IMAP4.error, TimeoutError) as exc:
                    if not stop.is_set():  # stopping hangs up on purpose
                        log.warning("mailbox poll failed: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
        finally:
            line.close()
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching

    polling = contextlib.asynccontextmanager(
        background_ctx(lambda app, stop: run(intake_of(app), app[IMAP_EXECUTOR], stop))
    )

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        executor = ThreadPoolExecutor(max_workers=IMAP_THREADS, thread_name_prefix="kontakt-imap")
        app[IMAP_EXECUTOR] = executor
        try:
            async with polling(app):
                yield
        except BaseException:
            # The poll did not end (something other than a read holds its thread, say a
            # name lookup): not waited for, its thread ends when that call does.
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        # Stopping hung up the poll's connection and the poll has ended, so its thread is
        # idle: joined here, it is gone before the process exits and has to wait for it.
        executor.shutdown(wait=True, cancel_futures=True)

    return ctx
