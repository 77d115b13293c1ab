"""The directory as other services see it: HTTP with the service credential, ETag-cached."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from typing import cast

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from shared.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    problem_lang_var,
)
from shared.identity import Caller, Identity
from shared.payloads import JSON, Contact, ContactPage, Network, NetworkPage, SyncPoint

Query = Mapping[str, str] | list[tuple[str, str]]

CACHE_SIZE = 2048
# How long other services trust an introspection answer (a revocation takes this long there).
INTROSPECTION_SECONDS = 10.0
PAGE = 200
# A page of a book a Kontakt service keeps (the directory allows services up to 20,000).
BOOK_PAGE = 2_000
# UIDs the directory takes in one listing (`?uid=`).
UID_BATCH = 100


class UnknownSyncToken(Exception):
    """The directory did not issue this sync token: from before a restore, or never."""


class ExpiredSyncToken(UnknownSyncToken):
    """The directory issued this sync token, but its change log no longer reaches back to it."""


class DirectoryClient:
    """Reads contacts and networks for a caller; asks who a token belongs to; redeems reveals.

    Reads take `caller`, the token of the person the service serves (None: an anonymous one).
    The directory answers as it would answer that caller, so the service passes on only what
    the directory shows them. Without a caller the service credential reads, which sees only
    what anyone sees.
    """

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base.rstrip("/")
        self._cache: OrderedDict[str, tuple[str, dict[str, JSON]]] = OrderedDict()

    def forget(self) -> None:
        """Drop every cached answer: the directory's data went back (a restore, a failover)."""
        # Token answers are the identity module's, trusted for seconds only: they need no purge.
        self._cache.clear()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        body: JSON = None,
    ) -> tuple[int, dict[str, JSON] | None, CIMultiDictProxy[str]]:
        """Status, the answer's JSON object (None for none or another JSON value) and headers.

        Asked in the language of the request being answered, so a refusal of the directory's
        that is handed on (a contact that is not there) is already in the reader's language.
        """
        asked = {"Accept-Language": problem_lang_var.get(), **(headers or {})}
        try:
            async with self.session.request(
                method,
                f"{self.base}{path}",
                params=params,
                headers=asked,
                data=form,
                json=body,
            ) as response:
                raw = await response.read()
                data: JSON = json.loads(raw) if raw else None
                return response.status, data if isinstance(data, dict) else None, response.headers
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise Unavailable("The directory cannot be reached. Try again shortly.") from exc

    async def get(
        self,
        path: str,
        params: Query | None = None,
        *,
        caller: str | None = None,
        remember: bool = True,
    ) -> dict[str, JSON]:
        """GET a JSON object as `caller`, revalidating a cached copy by ETag; errors become
        domain errors."""
        key = f"{_who(caller)} {URL(path).with_query(params or {})}"
        cached = self._cache.get(key) if remember else None
        headers = {"If-None-Match": cached[0]} if cached else {}
        if caller:
            headers["Authorization"] = f"Bearer {caller}"
        try:
            status, data, response_headers = await self._request(
                "GET", path, params=params, headers=headers
            )
        except Unavailable:
            if cached:
                # Stale if error (RFC 5861): a directory outage should not empty address books.
                return cached[1]
            raise
        if status >= 500 and cached:
            return cached[1]
        if status == 304 and cached:
            self._cache.move_to_end(key)
            return cached[1]
        if status == 404:
            raise NotFound(_detail(data, "Not found."))
        if status == 401:
            raise Unauthenticated("The bearer token is unknown, revoked or expired.")
        if status >= 500 or data is None:
            raise Unavailable("The directory is not answering properly. Try again shortly.")
        if status >= 400:
            raise BadRequest(_detail(data, "The directory refused the request."))
        etag = response_headers.get("ETag")
        if etag and remember:
            self._cache[key] = (etag, data)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return data

    # The directory's answers are the payloads its OpenAPI document declares (a test compares
    # them): the casts below name which one each path answers.

    async def contact(self, contact_id: int, caller: str | None) -> Contact:
        """One contact as `caller` may see it (addresses only when entitled); 404 otherwise."""
        return cast(Contact, await self.get(f"/v1/contacts/{contact_id}", caller=caller))

    async def network_info(self, caller: str | None) -> dict[str, Network]:
        """Every network `caller` sees, by slug (its names, language and parent...)."""
        data = cast(NetworkPage, await self.get("/v1/networks", caller=caller))
        return {n["slug"]: n for n in data["items"]}

    async def sync_point(
        self, since: str | None = None, network: str | None = None, caller: str | None = None
    ) -> SyncPoint:
        """The directory's sync token and version; with `since`, the UIDs changed since then
        in `network` that `caller` sees there now or saw there then.

        Raises UnknownSyncToken when the directory did not issue `since`, ExpiredSyncToken
        (one of them) when its change log no longer reaches back to it.
        """
        params = {"since": since, "network": network or ""} if since else {}
        headers = {"Authorization": f"Bearer {caller}"} if caller else {}
        status, data, _ = await self._request("GET", "/v1/sync", params=params, headers=headers)
        if status == 401:
            raise Unauthenticated("The bearer token is unknown, revoked or expired.")
        if status == 404:
            raise NotFound("No address book %(network)r.", values={"network": network})
        if status == 410:
            raise ExpiredSyncToken(since)
        if status == 422:
            raise UnknownSyncToken(since)
        if status != 200 or data is None:
            raise Unavailable("The directory cannot say what changed right now.")
        return cast(SyncPoint, data)

    async def contacts(
        self,
        slug: str,
        member: str | None,
        caller: str | None,
        *,
        page: int = PAGE,
        uids: list[str] | None = None,
    ) -> AsyncIterator[Contact]:
        """Every contact of a network `caller` sees (or only `uids`), a page at a time.

        Pages of BOOK_PAGE are for callers that keep the book themselves: not cached here.
        """
        remember = page <= PAGE
        query: list[tuple[str, str]] = [("limit", str(page))]
        if member:
            query.append(("member", member))
        query += [("uid", uid) for uid in uids or ()]
        path = f"/v1/networks/{slug}/contacts"
        data = cast(ContactPage, await self.get(path, query, caller=caller, remember=remember))
        while True:
            for item in data["items"]:
                yield item
            following = data.get("next")
            if not following:
                return
            url = URL(following)
            following_page = await self.get(
                url.path, list(url.query.items()), caller=caller, remember=remember
            )
            data = cast(ContactPage, following_page)

    async def introspect(self, token: str) -> Caller | None:
        """The caller behind a token, by RFC 7662 introspection; None when it is not active."""
        status, data, _ = await self._request("POST", "/v1/introspect", form={"token": token})
        if status != 200 or data is None:
            raise Unavailable("The directory cannot check tokens right now.")
        return Caller.from_introspection(data)

    async def redeem(self, token: str, client: str) -> tuple[int, list[str]]:
        """The contact a reveal token opens and its addresses; spends the client's budget."""
        status, data, headers = await self._request(
            "POST", "/v1/reveal/redeem", body={"token": token, "client": client}
        )
        contact, emails = (data or {}).get("contact"), (data or {}).get("emails")
        if status == 200 and isinstance(contact, int) and isinstance(emails, list):
            return contact, [str(e) for e in emails]
        if status == 429:
            retry = int(headers.get("Retry-After", "60"))
            raise RateLimited(_detail(data, "Too many requests.") if data else "", retry)
        if status in (403, 422):
            raise Forbidden(
                "The reveal link has expired or is not valid; reveal the address again."
            )
        raise Unavailable("The directory cannot check reveal links right now.")


def _detail(problem: Mapping[str, JSON] | None, fallback: str) -> str:
    """The `detail` of a problem answer (RFC 9457), or `fallback`."""
    detail = problem.get("detail") if problem else None
    return detail if isinstance(detail, str) else fallback


def _who(caller: str | None) -> str:
    """Who a cached answer was for (a digest: tokens are not kept in memory as keys)."""
    return hashlib.sha256(caller.encode()).hexdigest()[:32] if caller else "-"


async def wait_for(client: DirectoryClient) -> str | None:
    """Readiness: None when the directory answers, else why not."""
    try:
        async with asyncio.timeout(2):
            status, _, _ = await client._request("GET", "/readyz")
    except (Unavailable, TimeoutError):
        return "The directory is not reachable."
    return None if status == 200 else "The directory is not ready."


def remote_identity(client: DirectoryClient, service_token: str | None) -> Identity:
    """Callers as the directory describes them, each answer trusted for a few seconds."""
    return Identity(client.introspect, service_token, remember=INTROSPECTION_SECONDS)
