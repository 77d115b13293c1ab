"""ETags, 304 Not Modified, and a small cache of rendered bodies keyed by data version."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Generic, TypeVar

from aiohttp import web

V = TypeVar("V")


def etag_for(*parts: object) -> str:
    """A strong ETag from the things that determine a representation."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def matches(request: web.Request, etag: str) -> bool:
    """Whether the client's If-None-Match already names `etag`."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags


def not_modified(etag: str, cache_control: str) -> web.Response:
    """A 304 carrying the validators a cache needs."""
    return web.Response(status=304, headers={"ETag": etag, "Cache-Control": cache_control})


class VersionedCache(Generic[V]):
    """Least-recently-used values; keys include the data version, so no invalidation."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        """The value stored under `key`, if any."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: str, value: V) -> None:
        """Store a value, dropping the oldest beyond the size."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class BodyCache(VersionedCache[bytes]):
    """Rendered response bodies by ETag."""
