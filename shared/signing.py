"""Short-lived signed tokens (HMAC-SHA256): what a token says can be read, never forged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from functools import lru_cache
from typing import Any


class BadToken(ValueError):
    """A token that is malformed, forged, of another purpose, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=64)
def _key(secret: str, purpose: str) -> bytes:
    # One derived key per purpose: a token made for one use is worthless for another.
    return hmac.new(secret.encode(), f"kontakt:{purpose}".encode(), hashlib.sha256).digest()


def mac_hex(secret: str, purpose: str, data: str, length: int = 24) -> str:
    """A lower-case hex MAC of `data` under `purpose`'s own key, `length` digits (96 bits).

    For tokens that must survive in an address's local part, where case may be lost.
    """
    return hmac.new(_key(secret, purpose), data.encode(), hashlib.sha256).hexdigest()[:length]


def sign(secret: str, purpose: str, claims: dict[str, Any], ttl: int) -> str:
    """A token carrying `claims` for `purpose`, valid for `ttl` seconds."""
    return sign_until(secret, purpose, claims, int(time.time()) + ttl)


def sign_until(secret: str, purpose: str, claims: dict[str, Any], expires: int) -> str:
    """A token valid until the Unix time `expires`; the same inputs give the same token."""
    body = _b64(json.dumps(claims | {"exp": expires}, separators=(",", ":")).encode())
    mac = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(secret: str, purpose: str, token: str) -> dict[str, Any]:
    """The claims of a valid token; BadToken otherwise."""
    body, _, mac = token.partition(".")
    if not body or not mac or len(token) > 2048:
        raise BadToken("malformed")
    expected = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(mac)
    except ValueError as exc:
        raise BadToken("malformed") from exc
    # The MAC first: nothing a stranger wrote is parsed (deeply nested JSON would raise).
    if not hmac.compare_digest(given, expected):
        raise BadToken("forged")
    try:
        claims = json.loads(_unb64(body))
    except (ValueError, json.JSONDecodeError) as exc:
        raise BadToken("malformed") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise BadToken("malformed")
    if claims["exp"] < time.time():
        raise BadToken("expired")
    return claims
