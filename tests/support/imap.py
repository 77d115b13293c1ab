"""IMAP servers that accept a connection and never answer it: a hosted mailbox gone wrong."""

from __future__ import annotations

import asyncio
import contextlib


class QuietImap:
    """Accepts and never sends a whole line: silent (not even the greeting), or, given
    `trickle`, one more byte of a greeting every `trickle` seconds (alive, yet no answer)."""

    def __init__(self, trickle: float | None = None) -> None:
        self.trickle = trickle
        self.accepted = 0
        self.sent = 0  # bytes trickled, over every connection
        self.open: list[asyncio.StreamWriter] = []
        self.stopped = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen on a port of localhost; the port."""
        self.server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _hold(self, _: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open.append(writer)
        if self.trickle is None:
            return
        writer.write(b"* OK")
        # Pacing the server (until released): each byte comes well within the client's
        # socket timeout, and the greeting's line never ends.
        with contextlib.suppress(ConnectionError):
            while not writer.is_closing() and not self.stopped.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopped.wait(), self.trickle)
                writer.write(b".")
                await writer.drain()
                self.sent += 1

    def release(self) -> None:
        """Stop listening and hang up: a held poll fails at once, a new one is refused."""
        assert self.server is not None
        self.server.close()
        self.stopped.set()
        for writer in self.open:
            writer.close()
