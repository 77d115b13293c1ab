"""Signed tokens and MACs (HMAC-SHA256) under a key that can rotate.

What a token says can be read, never forged. Every token and MAC Kontakt makes goes through
`Keys`: it signs with the current key (KONTAKT_SECRET_KEY) and accepts the current and the
former keys (KONTAKT_VERIFICATION_KEYS), so a key is rotated without breaking the links
already sent (README "Secrets": the rotation procedure).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from shared.i18n import N_, word
from shared.payloads import JSON
from shared.settings import Settings, SettingsError

# 128 bits at the least (NIST SP 800-107: an HMAC key as long as the strength it must give).
MIN_KEY_BYTES = 16


class BadToken(ValueError):
    """A token that is malformed, forged, of another purpose, or expired (`str` says which)."""

    @property
    def reason(self) -> str:
        """Which, as a word a person reads in a message (`%(exc)s`), in its language."""
        return word(TOKEN_FAULTS, str(self))


# What BadToken says, named for people (it fills "The reveal token is %(exc)s.").
TOKEN_FAULTS = {"malformed": N_("malformed"), "forged": N_("forged"), "expired": N_("expired")}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=256)
def _key(secret: str, purpose: str) -> bytes:
    # One derived key per purpose: a token made for one use is worthless for another.
    return hmac.new(secret.encode(), f"kontakt:{purpose}".encode(), hashlib.sha256).digest()


def _mac(secret: str, purpose: str, data: str) -> bytes:
    return hmac.new(_key(secret, purpose), data.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Keys:
    """The key that signs (`signing`) and the former keys still accepted (`verifying`)."""

    signing: str
    verifying: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: Settings) -> Keys:
        """The installation's keys; SettingsError naming KONTAKT_SECRET_KEY when it is unset."""
        if not settings.secret_key:
            raise SettingsError("KONTAKT_SECRET_KEY is required: it signs links and tokens")
        if len(settings.secret_key.encode()) < MIN_KEY_BYTES:
            # A short key is guessed offline from any one link: every token would be forged.
            raise SettingsError(
                f"KONTAKT_SECRET_KEY is too short: at least {MIN_KEY_BYTES} bytes "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        former = tuple(k for k in settings.verification_keys if k != settings.secret_key)
        return cls(settings.secret_key, former)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every key a token or MAC may have been made with, the signing key first."""
        return (self.signing, *self.verifying)

    def mac_hex(self, purpose: str, data: str, length: int = 24) -> str:
        """A lower-case hex MAC of `data` under `purpose`'s own key, `length` digits (96 bits).

        For tokens that must survive in an address's local part, where case may be lost.
        """
        return _mac(self.signing, purpose, data).hex()[:length]

    def check_hex(self, purpose: str, data: str, given: str, length: int = 24) -> bool:
        """Whether `given` is `mac_hex(purpose, data, length)` under any accepted key."""
        found = False
        for secret in self.accepted:  # every key is tried: no early answer to time
            found |= hmac.compare_digest(_mac(secret, purpose, data).hex()[:length], given)
        return found

    def sign(self, purpose: str, claims: Mapping[str, JSON], ttl: int) -> str:
        """A token carrying `claims` for `purpose`, valid for `ttl` seconds."""
        return self.sign_until(purpose, claims, int(time.time()) + ttl)

    def sign_until(self, purpose: str, claims: Mapping[str, JSON], expires: int) -> str:
        """A token valid until the Unix time `expires`; the same inputs give the same token."""
        body = _b64(json.dumps({**claims, "exp": expires}, separators=(",", ":")).encode())
        return f"{body}.{_b64(_mac(self.signing, purpose, body))}"

    def verify(self, purpose: str, token: str) -> dict[str, JSON]:
        """The claims of a valid token made with any accepted key; BadToken otherwise."""
        body, _, mac = token.partition(".")
        if not body or not mac or len(token) > 2048:
            raise BadToken("malformed")
        try:
            given = _unb64(mac)
        except ValueError as exc:
            raise BadToken("malformed") from exc
        # The MAC first: nothing a stranger wrote is parsed (deeply nested JSON would raise).
        found = False
        for secret in self.accepted:
            found |= hmac.compare_digest(given, _mac(secret, purpose, body))
        if not found:
            raise BadToken("forged")
        try:
            claims: JSON = json.loads(_unb64(body))
        except (ValueError, json.JSONDecodeError) as exc:
            raise BadToken("malformed") from exc
        expires = claims.get("exp") if isinstance(claims, dict) else None
        if not isinstance(claims, dict) or not isinstance(expires, int):
            raise BadToken("malformed")
        if expires < time.time():
            raise BadToken("expired")
        return claims
