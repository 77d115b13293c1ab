"""Who the caller is, for the directory to decide what they see: a token, a reveal, or nobody."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from shared.clientip import client_address
from shared.directory_client import DirectoryClient
from shared.identity import credential, identify
from shared.payloads import Contact
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class View:
    """Who the caller is to the directory: a token to read with, or a revealed contact.

    The directory decides what the caller sees (services/directory/visibility.py); this
    service reads with the caller's token and passes on only what the directory answered.
    """

    token: str | None = None
    key: str = "anonymous"
    revealed: int | None = None
    revealed_emails: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        """Whether no address may be shown at all."""
        return self.key == "anonymous"

    def emails(self, contact: Contact) -> list[str]:
        """The addresses of `contact` the directory gave this caller (or the reveal opened)."""
        if self.revealed is not None:
            return list(self.revealed_emails) if self.revealed == contact["id"] else []
        return list(contact.get("emails", []))


ANONYMOUS = View()


async def view_of(
    request: web.Request, directory: DirectoryClient, settings: Settings, *, reveal_ok: bool
) -> View:
    """Decide from the caller (API or read token) or a reveal token (redeemed at the directory)."""
    caller = await identify(request)
    if not caller.anonymous:
        # Part of every ETag and sync token: what the caller may see changes with it. The
        # service credential reads what anyone reads.
        key = "all" if caller.is_admin else "net:" + ",".join(sorted(caller.readable_slugs()))
        return View(token=credential(request), key=key)
    reveal = request.query.get("reveal")
    if reveal and reveal_ok:
        client = client_address(request, settings.trusted_proxies)
        contact, emails = await directory.redeem(reveal, client)
        return View(key=f"revealed:{contact}", revealed=contact, revealed_emails=tuple(emails))
    return ANONYMOUS
