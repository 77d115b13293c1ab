"""Request bodies within bounds: how large, how slow, how deeply nested.

- Size: every route reads at most `KONTAKT_MAX_BODY_BYTES` (aiohttp's `client_max_size`,
  413 above). Only routes marked `@large_body` take `KONTAKT_IMPORT_MAX_BYTES`, and they
  read it themselves, after authenticating the caller (`read_large`), so a stranger's
  body never gets the large limit.
- Time: a body must keep arriving. A client gets `KONTAKT_BODY_TIMEOUT` seconds, and that
  long again for every MiB it has sent; past that the answer is 408 and the connection is
  closed. This catches a body trickled a byte at a time (slowloris) without cutting off
  a large import on a slow line. A handler that works on each piece before it reads the
  next (a streamed import) reads with `paced_read`: only the time it waits for the body
  counts, never the time the server itself takes. The request head before it gets
  `KONTAKT_IDLE_TIMEOUT` seconds from the connection's start or its last answer
  (`base_app`), then the connection is closed: a head trickled a line at a time holds
  nothing for long either.
- Nesting: JSON (and CardDAV XML) deeper than `MAX_NESTING` levels is refused (400)
  before any code walks it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from shared.payloads import JSON

MIB = 1024 * 1024
# Deeper than anything our APIs take (a contact is four levels); far below the recursion limit.
MAX_NESTING = 32
BODY_TIMEOUT = web.AppKey("kontakt.body_timeout", float)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_LARGE: set[Handler] = set()


class BodyTooSlow(Exception):
    """The client did not send its body in time."""


@dataclass
class _Pace:
    """How long a request's body has kept the server waiting (seconds on the loop's clock)."""

    start: float
    busy: float = 0.0  # time the handler spent on its own work between `paced_read`s
    since: float | None = None  # when the handler last got a piece: busy since then

    def waited(self, now: float) -> float:
        """Seconds since the start, less the handler's own work."""
        busy = self.busy + (now - self.since if self.since is not None else 0.0)
        return now - self.start - busy


_PACE = web.RequestKey("kontakt.body_pace", _Pace)


def large_body(handler: Handler) -> Handler:
    """Mark a handler that reads a large body itself, with `read_large`, after authenticating."""
    _LARGE.add(handler)
    return handler


def takes_large_body(request: web.Request) -> bool:
    """Whether the route answering `request` is marked `@large_body`."""
    handler: object = request.match_info.handler
    while handler is not None:
        if handler in _LARGE:
            return True
        # functools.wraps leaves the wrapped handler here (the directory wraps writes).
        handler = getattr(handler, "__wrapped__", None)
    return False


async def read_large(request: web.Request, limit: int) -> bytes:
    """The whole body of an import, up to `limit` bytes (413 above), read as it streams."""
    data = bytearray()
    async for piece in request.content.iter_chunked(64 * 1024):
        data += piece
        if len(data) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(data))
    return bytes(data)


async def paced_read(request: web.Request, size: int) -> bytes:
    """Up to `size` bytes of the body (b"" at its end), for a handler that works on each piece
    before it reads the next: the time between reads is the server's, not the client's, and
    does not count against the body's deadline (`within_deadline`)."""
    pace: _Pace | None = request.get(_PACE)
    loop = asyncio.get_running_loop()
    if pace is not None and pace.since is not None:
        pace.busy += loop.time() - pace.since
        pace.since = None
    try:
        return await request.content.read(size)
    finally:
        if pace is not None:
            pace.since = loop.time()


async def within_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run `handler`, raising BodyTooSlow if the body stops arriving at a reasonable pace."""
    content = request.content
    timeout = request.app.get(BODY_TIMEOUT)
    if not timeout or content.is_eof():
        return await handler(request)
    loop = asyncio.get_running_loop()
    start = loop.time()
    pace = request[_PACE] = _Pace(start)
    expired = False
    timer: asyncio.TimerHandle | None = None
    try:
        async with asyncio.timeout(None) as deadline:

            def check() -> None:
                nonlocal expired, timer
                if content.is_eof():
                    return  # the body is in: what the handler does now is not the client's doing
                allowed = timeout * (1 + content.total_bytes / MIB)
                now = loop.time()
                waited = pace.waited(now)
                if waited < allowed:
                    timer = loop.call_at(now + allowed - waited, check)
                    return
                expired = True
                deadline.reschedule(now)

            timer = loop.call_at(start + timeout, check)
            try:
                return await handler(request)
            finally:
                if timer is not None:
                    timer.cancel()
    except TimeoutError:
        if expired:
            raise BodyTooSlow from None
        raise


def json_depth(value: JSON, limit: int = MAX_NESTING) -> int:
    """How deeply `value` nests (a scalar is 0), counting no further than `limit` + 1."""
    deepest = 0
    stack: list[tuple[JSON, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = list(item.values()) if isinstance(item, dict) else item
        if isinstance(children, list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth) for child in children)
    return deepest
