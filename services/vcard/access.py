"""Who sees e-mail addresses in a card: the one rule, applied by the vcard service."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from shared.clientip import client_address
from shared.directory_client import DirectoryClient
from shared.errors import Unauthenticated
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class View:
    """What the caller may see: every address, those of some networks, of one contact, or none."""

    everything: bool = False
    networks: frozenset[str] = field(default_factory=frozenset)
    revealed: int | None = None

    @property
    def key(self) -> str:
        """Part of every ETag, so the anonymous and the full view never share a validator."""
        if self.everything:
            return "all"
        if self.networks:
            return "net:" + ",".join(sorted(self.networks))
        if self.revealed is not None:
            return f"revealed:{self.revealed}"
        return "anonymous"

    @property
    def anonymous(self) -> bool:
        """Whether no address may be shown at all."""
        return self.key == "anonymous"

    def emails(self, contact: dict[str, Any]) -> list[str]:
        """The addresses of `contact` this caller may see."""
        if self.everything or self.revealed == contact["id"]:
            return list(contact.get("emails", []))
        if any(m["network"] in self.networks for m in contact.get("networks", [])):
            return list(contact.get("emails", []))
        return []


ANONYMOUS = View()


def credential(request: web.Request) -> str | None:
    """A directory token from `Bearer`, or from Basic auth's password (what phones send)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthenticated("The Basic credentials cannot be read.") from exc
        password = decoded.partition(":")[2]
        if not password:
            raise Unauthenticated("Use a Kontakt read token as the password.")
        return password
    return None


async def view_of(
    request: web.Request, directory: DirectoryClient, settings: Settings, *, reveal_ok: bool
) -> View:
    """Decide from a bearer token (introspected) or a reveal token (redeemed)."""
    token = credential(request)
    if token:
        answer = await directory.introspect(token)
        if not answer.get("active"):
            raise Unauthenticated("The bearer token is unknown, revoked or expired.")
        details = answer.get("kontakt", {})
        return View(
            everything=bool(details.get("is_admin")),
            networks=frozenset(details.get("networks", {})),
        )
    reveal = request.query.get("reveal")
    if reveal and reveal_ok:
        contact = await directory.redeem(reveal, client_address(request, settings.trusted_proxies))
        return View(revealed=contact)
    return ANONYMOUS
