"""Reading the credential, finding the caller behind it, and the access each route declares.

Every operation of every service's OpenAPI document declares `x-permission` (or its path does,
for the CardDAV methods OpenAPI cannot name); `declared_access()` reads them once, a check at
start-up refuses to run a route that declares nothing, and `access_middleware` admits a caller
by kind before any handler runs. Handlers then check the network-specific permission.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

from shared.errors import Forbidden, Unauthenticated
from shared.identity.caller import ANONYMOUS, SERVICE, Caller, Kind
from shared.payloads import JSON

# What a route may declare as its `x-permission`, and who gets past the door.
PUBLIC = "public"  # anyone; a credential is neither needed nor looked at
ADDRESS_BOOK = "address_book"  # anyone; an API or read token (or a service) may see more
SERVICE_ONLY = "service"  # the service credential only
ACCOUNT = "account"  # a person's API token
OWNER = "owner"  # a person's API token, for their own account (or an admin)
ADMIN = "admin"
ANY_EDITOR = "any_editor"  # an API token with edit_contacts somewhere (or an admin)
ACCESS = (
    PUBLIC,
    ADDRESS_BOOK,
    SERVICE_ONLY,
    ACCOUNT,
    OWNER,
    ADMIN,
    ANY_EDITOR,
    "edit_contacts",
    "manage_lists",
    "send_campaigns",
)
# Past these the caller must be a person with an API token; the handler checks the network.
PERSONAL = frozenset(ACCESS) - {PUBLIC, ADDRESS_BOOK, SERVICE_ONLY}

Lookup = Callable[[str], Awaitable[Caller | None]]
_CALLER = web.RequestKey("identity.caller", Caller)
MAX_TOKEN_LENGTH = 512
REMEMBERED = 4096


def credential(request: web.Request) -> str | None:
    """The token a request presents: `Bearer`, or Basic auth's password (what phones send)."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    if scheme.lower() == "bearer":
        token = value
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthenticated("The Basic credentials cannot be read.") from exc
        token = decoded.partition(":")[2]
        if not token:
            raise Unauthenticated("Use a Kontakt read token as the password.")
    else:
        return None
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated("The bearer token is unknown, revoked or expired.")
    return token


class Identity:
    """One service's way from a token to a caller: the service credential, then `lookup`.

    `lookup` reads the directory's tables (in the directory) or introspects over HTTP
    (elsewhere); answers are remembered for `remember` seconds (0: never).
    """

    def __init__(self, lookup: Lookup, service_token: str | None, remember: float = 0.0) -> None:
        self.lookup = lookup
        self.service_token = service_token
        self.remember = remember
        self._remembered: dict[bytes, tuple[float, Caller | None]] = {}

    def is_service(self, token: str) -> bool:
        """Whether `token` is the shared service credential (compared in constant time)."""
        return bool(self.service_token) and hmac.compare_digest(
            token.encode(), (self.service_token or "").encode()
        )

    async def resolve(self, token: str) -> Caller | None:
        """The caller behind `token`; None when it is unknown, revoked or expired."""
        if self.is_service(token):
            return SERVICE
        if not self.remember:
            return await self.lookup(token)
        key = hashlib.sha256(token.encode()).digest()
        now = time.monotonic()
        remembered = self._remembered.get(key)
        if remembered is not None and now - remembered[0] < self.remember:
            return remembered[1]
        found = await self.lookup(token)
        if len(self._remembered) >= REMEMBERED:
            self._remembered.clear()
        self._remembered[key] = (now, found)
        return found

    def forget(self) -> None:
        """Drop every remembered answer (after a revocation this process made)."""
        self._remembered.clear()


IDENTITY = web.AppKey("identity", Identity)


async def identify(request: web.Request) -> Caller:
    """The request's caller, found once per request; a token that does not work is a 401."""
    if _CALLER in request:
        return request[_CALLER]
    token = credential(request)
    found = ANONYMOUS
    if token is not None:
        resolved = await request.app[IDENTITY].resolve(token)
        if resolved is None:
            raise Unauthenticated("The bearer token is unknown, revoked or expired.")
        found = resolved
    request[_CALLER] = found
    return found


async def admit(request: web.Request, access: str) -> Caller | None:
    """Let the caller in by kind for `access`, or raise 401/403; the caller when it was needed."""
    if access in (PUBLIC, ADDRESS_BOOK):
        return None
    if access == SERVICE_ONLY:
        token = credential(request)
        if token is None or not request.app[IDENTITY].is_service(token):
            raise Unauthenticated(
                "This endpoint is for Kontakt services and needs the service credential."
            )
        request[_CALLER] = SERVICE
        return SERVICE
    caller = await identify(request)
    if caller.kind is Kind.ANONYMOUS:
        raise Unauthenticated("This needs an API token: Authorization: Bearer <token>.")
    if caller.kind is Kind.READ:
        raise Forbidden("A read token can only read address books and vCards.")
    if caller.kind is Kind.SERVICE:
        raise Forbidden("The service credential cannot act for a person.")
    if access == ADMIN and not caller.is_admin:
        raise Forbidden("Only an admin may do this.")
    if access == ANY_EDITOR and not (
        caller.is_admin or any("edit_contacts" in p for p in caller.grants.values())
    ):
        raise Forbidden("Only someone who edits contacts may do this.")
    return caller


def declared_access(document: Mapping[str, JSON]) -> dict[tuple[str, str], str]:
    """(METHOD, path template) to `x-permission`; `*` for a path-level declaration."""
    table: dict[tuple[str, str], str] = {}
    paths = document.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        if "x-permission" in item:
            table["*", path] = _checked(item["x-permission"], path)
        for method, operation in item.items():
            if isinstance(operation, dict) and "x-permission" in operation:
                table[method.upper(), path] = _checked(operation["x-permission"], path)
    return table


def _checked(access: object, path: str) -> str:
    if access not in ACCESS:
        raise ValueError(f"{path}: x-permission {access!r} is not one of {', '.join(ACCESS)}")
    return str(access)


def _declared(
    table: Mapping[tuple[str, str], str], method: str, resource: web.AbstractResource
) -> str | None:
    if isinstance(resource, web.StaticResource):
        return PUBLIC  # a folder of the service's own style sheets and scripts
    method = "GET" if method == "HEAD" else method
    return table.get((method, resource.canonical)) or table.get(("*", resource.canonical))


def guard_routes(app: web.Application, document: Mapping[str, JSON]) -> None:
    """Admit callers by each route's declared access; a route that declares none cannot start."""
    table = declared_access(document)

    async def every_route_declared(app: web.Application) -> None:
        missing = sorted(
            f"{route.method} {route.resource.canonical}"
            for route in app.router.routes()
            if route.resource is not None and _declared(table, route.method, route.resource) is None
        )
        if missing:
            raise RuntimeError(
                "routes without x-permission in the OpenAPI document: " + ", ".join(missing)
            )

    @web.middleware
    async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route
        if request.match_info.http_exception is None and route.resource is not None:
            access = _declared(table, request.method, route.resource)
            if access is None:  # cannot happen once started; refuse rather than guess
                raise Forbidden("This route declares no access.")
            await admit(request, access)
        answer: web.StreamResponse = await handler(request)
        return answer

    app.on_startup.append(every_route_declared)
    app.middlewares.append(access_middleware)
