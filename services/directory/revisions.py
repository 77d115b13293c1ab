"""Optimistic concurrency: the revision a client says it edited (If-Match, RFC 9110 §13.1.1)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from shared.payloads import JSON
from shared.validate import parse_id, whole_number


def if_match_tag(request: web.Request) -> str:
    """The entity tag `If-Match` names, unquoted and without `W/`; "" when there is none."""
    return request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')


def if_match(request: web.Request, body: Mapping[str, JSON]) -> int | None:
    """The revision the client edited: `If-Match: "3"` or a `revision` field."""
    header = parse_id(if_match_tag(request))
    if header is not None:
        return header
    return whole_number(body.get("revision"))
