"""Progress of a long request as NDJSON lines, then its report: for clients that ask for it."""

from __future__ import annotations

import json
from collections.abc import Mapping

from aiohttp import web

NDJSON = "application/x-ndjson"


def wants_progress(request: web.Request) -> bool:
    """Whether the client asked for progress lines (`Accept: application/x-ndjson`)."""
    return NDJSON in request.headers.get("Accept", "")


class NdjsonProgress:
    """`{"progress": n, "total": m}` lines as work goes on, then `{"report": …}`.

    The response starts with the first line, so what can fail early (permissions, an
    unreadable file) still fails with a proper status before it.
    """

    def __init__(self, request: web.Request, every: int = 25) -> None:
        self.request = request
        self.every = every
        self.response: web.StreamResponse | None = None
        self.reported = -1

    async def _line(self, data: Mapping[str, object]) -> None:
        if self.response is None:
            self.response = web.StreamResponse(headers={"Content-Type": NDJSON})
            await self.response.prepare(self.request)
        await self.response.write(json.dumps(data, ensure_ascii=False).encode() + b"\n")

    async def __call__(self, done: int, total: int) -> None:
        """Note progress; a line goes out every `every` items and at the end."""
        if done == total or done - self.reported >= self.every or self.reported < 0:
            self.reported = done
            await self._line({"progress": done, "total": total})

    async def fail(self, detail: str) -> web.StreamResponse:
        """An error after the first line went out (the status is sent): an `error` line."""
        await self._line({"error": detail})
        assert self.response is not None
        await self.response.write_eof()
        return self.response

    async def finish(self, report: Mapping[str, object]) -> web.StreamResponse:
        """The report as the last line."""
        await self._line({"report": report})
        assert self.response is not None
        await self.response.write_eof()
        return self.response
