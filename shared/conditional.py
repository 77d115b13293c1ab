"""ETags and RFC 9110 preconditions (304, 412), and a cache of bodies keyed by data version."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Generic, TypeVar

from aiohttp import web

from shared import metrics
from shared.errors import problem

V = TypeVar("V")


def etag_for(*parts: object) -> str:
    """A strong ETag from the things that determine a representation."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


ENTITY_TAG = re.compile(r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"')


def entity_tags(header: str) -> list[tuple[bool, str]] | None:
    """The (weak, opaque-tag) pairs of an If-Match/If-None-Match list; None for `*`."""
    if header.strip() == "*":
        return None
    return [(bool(m[1]), m[0].removeprefix("W/")) for m in ENTITY_TAG.finditer(header)]


def weak_match(header: str, etag: str) -> bool:
    """RFC 9110 §8.8.3.2 weak comparison of `etag` against a list (or `*`)."""
    tags = entity_tags(header)
    return tags is None or etag.removeprefix("W/") in {tag for _, tag in tags}


def strong_match(header: str, etag: str) -> bool:
    """Strong comparison: neither side weak, same opaque tag (or `*`)."""
    tags = entity_tags(header)
    if tags is None:
        return True
    return not etag.startswith("W/") and any(not weak and tag == etag for weak, tag in tags)


def matches(request: web.Request, etag: str) -> bool:
    """Whether the client's If-None-Match already names `etag` (weak comparison, lists, `*`)."""
    header = request.headers.get("If-None-Match")
    return header is not None and weak_match(header, etag)


def precondition(request: web.Request, etag: str | None) -> int | None:
    """RFC 9110 §13.2.2 for a resource with `etag` (None: it does not exist).

    412 when If-Match fails; 304 (GET, HEAD) or 412 (other methods) when If-None-Match
    names the current representation; None when the request goes on.
    """
    if_match = request.headers.get("If-Match")
    if if_match is not None and (etag is None or not strong_match(if_match, etag)):
        return 412
    if etag is not None and matches(request, etag):
        return 304 if request.method in ("GET", "HEAD") else 412
    return None


def conditional(request: web.Request, etag: str, headers: dict[str, str]) -> web.Response | None:
    """The 304 or 412 answer the request's preconditions call for, or None to go on."""
    status = precondition(request, etag)
    if status == 304:
        return web.Response(status=304, headers=headers | {"ETag": etag})
    if status == 412:
        return problem(412, "The resource does not match the request's If-Match or If-None-Match.")
    return None


def not_modified(etag: str, cache_control: str) -> web.Response:
    """A 304 carrying the validators a cache needs."""
    return web.Response(status=304, headers={"ETag": etag, "Cache-Control": cache_control})


class VersionedCache(Generic[V]):
    """Least-recently-used values; keys include the data version, so no invalidation."""

    def __init__(self, size: int = 512, name: str = "values") -> None:
        self.size = size
        self.name = name  # the `cache` label of kontakt_cache_lookups
        self._items: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        """The value stored under `key`, if any."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        metrics.CACHE.labels(self.name, "miss" if value is None else "hit").inc()
        return value

    def clear(self) -> None:
        """Drop everything (the data went back: a restore or a failover)."""
        self._items.clear()

    def drop(self, key: str) -> None:
        """Forget one value (it turned out wrong: a failed computation)."""
        self._items.pop(key, None)

    def put(self, key: str, value: V) -> None:
        """Store a value, dropping the oldest beyond the size."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class BodyCache(VersionedCache[bytes]):
    """Rendered response bodies by ETag."""
