"""Who sees e-mail addresses in a card: the one rule, applied by the vcard service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from shared.clientip import client_address
from shared.directory_client import DirectoryClient
from shared.identity import Kind, identify
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


async def view_of(
    request: web.Request, directory: DirectoryClient, settings: Settings, *, reveal_ok: bool
) -> View:
    """Decide from the caller (API or read token) or a reveal token (redeemed at the directory)."""
    caller = await identify(request)
    if not caller.anonymous:
        # The service credential reads every address, like an admin (it serves entitled callers).
        everything = caller.kind is Kind.SERVICE or caller.is_admin
        return View(everything=everything, networks=caller.readable_slugs())
    reveal = request.query.get("reveal")
    if reveal and reveal_ok:
        contact = await directory.redeem(reveal, client_address(request, settings.trusted_proxies))
        return View(revealed=contact)
    return ANONYMOUS
