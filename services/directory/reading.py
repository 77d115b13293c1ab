"""Conditional, cached public reads: one cheap version query decides 304 or a cached body."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from services.directory.keys import CACHE, FRESHNESS, POOL, QUERIES
from services.directory.visibility import sees_as_anyone
from shared.conditional import etag_for, matches, not_modified
from shared.conn import Conn
from shared.errors import FieldError, ValidationFailed
from shared.i18n import LANGUAGES
from shared.identity import Caller
from shared.payloads import Lang, is_lang

PUBLIC_CACHE = "public, max-age=0, must-revalidate"
PRIVATE_CACHE = "private, no-cache"

# Builds the answer (a payload of shared.payloads) inside the read transaction.
Build = Callable[[Conn], Awaitable[Mapping[str, object]]]


def requested_lang(request: web.Request) -> Lang | None:
    """The `lang` query parameter, checked; None when absent or empty."""
    lang = request.query.get("lang")
    if lang is None or lang == "":
        return None
    if not is_lang(lang):
        raise ValidationFailed(
            [FieldError("lang", "must be one of %(choices)s", {"choices": ", ".join(LANGUAGES)})]
        )
    return lang


def dumps(data: object) -> bytes:
    """JSON as UTF-8, diacritics kept as they are."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def conditional_json(
    request: web.Request, caller: Caller | None, build: Build
) -> web.StreamResponse:
    """Answer a GET from cache or 304 when the directory has not changed since."""
    anyone = sees_as_anyone(caller)
    view = (
        "public" if anyone or caller is None else f"account:{caller.account_id}:{caller.token_id}"
    )
    cache_control = PUBLIC_CACHE if caller is None else PRIVATE_CACHE
    headers = {"Cache-Control": cache_control, "Vary": "Authorization"}
    known = request.app[FRESHNESS].current() if anyone else None
    if known is not None:
        # Fast path: the version is known without a query; answer from memory if we can.
        # The raw path: formatting a parsed URL costs more than the rest of this branch.
        etag = etag_for(known, view, request.raw_path)
        if matches(request, etag):
            return not_modified(etag, cache_control)
        cached = request.app[CACHE].get(etag)
        if cached is not None:
            return _json(cached, headers | {"ETag": etag})
    pool = request.app[POOL]
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        version = await conn.fetchval(request.app[QUERIES]["data-version"])
        etag = etag_for(version, view, request.raw_path)
        if matches(request, etag):
            return not_modified(etag, cache_control)
        cache = request.app[CACHE]
        body = cache.get(etag) if anyone else None
        if body is None:
            body = dumps(await build(conn))
            if anyone:
                cache.put(etag, body)
    return _json(body, headers | {"ETag": etag})


def _json(body: bytes, headers: dict[str, str]) -> web.Response:
    return web.Response(
        body=body, content_type="application/json", charset="utf-8", headers=headers
    )
