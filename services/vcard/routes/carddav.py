"""A read-only CardDAV address book per network (RFC 6352, RFC 6578 sync, RFC 6764 discovery).

Resources and what they do (their `Allow`):
- `/`, `/dav/`, `/dav/principal/`, `/dav/addressbooks/` (with or without the slash):
  OPTIONS, PROPFIND; discovery from whatever URL a person typed into a client.
- `/dav/addressbooks/{network}/`: OPTIONS, GET and HEAD (the whole book as one .vcf),
  PROPFIND, REPORT (addressbook-multiget, addressbook-query, sync-collection).
- `/dav/addressbooks/{network}/{uid}.vcf`: OPTIONS, GET, HEAD, PROPFIND.
Every write method answers 403 with DAV:need-privileges (RFC 3744 §7.1.1); any other
method 405 with the resource's `Allow`.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from aiohttp import web

from services.vcard.books import HOME, Member
from services.vcard.davprops import (
    COLLECTION_PROPS,
    ITEM_PROPS,
    PRINCIPAL,
    PRINCIPAL_PROPS,
    TEXT_VCARD,
    collection_response,
    member_response,
    principal_response,
)
from services.vcard.davrequest import book_of, caller_view, depth, minimal, open_book, wanted
from services.vcard.davxml import (
    DAV_HEADER,
    BadXml,
    error,
    multistatus,
    need_privileges,
    parse,
)
from services.vcard.keys import LIBRARY
from services.vcard.reports import report
from shared.conditional import conditional
from shared.errors import NotFound, Unauthenticated, problem

routes = web.RouteTableDef()

ROOT = "/dav/"
DISCOVERY = ("/", "/dav", ROOT, "/dav/principal", PRINCIPAL, "/dav/addressbooks", HOME)
BOOK = ("/dav/addressbooks/{slug}/", "/dav/addressbooks/{slug}")
ITEM = "/dav/addressbooks/{slug}/{item}"
ALLOW_DISCOVERY = "OPTIONS, PROPFIND"
ALLOW_BOOK = "OPTIONS, GET, HEAD, PROPFIND, REPORT"
ALLOW_ITEM = "OPTIONS, GET, HEAD, PROPFIND"
# What each write would need (RFC 3744 §3): on the resource itself, or on its parent.
WRITES = {
    "PUT": ("write-content", False),
    "PATCH": ("write-content", False),
    "POST": ("bind", False),
    "DELETE": ("unbind", True),
    "MKCOL": ("bind", True),
    "MKCALENDAR": ("bind", True),
    "PROPPATCH": ("write-properties", False),
    "MOVE": ("unbind", True),
    "COPY": ("bind", True),
    "LOCK": ("write-content", False),
    "UNLOCK": ("write-content", False),
    "ACL": ("write-acl", False),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _unauthorized(detail: str) -> web.Response:
    return problem(
        401, detail, headers={"WWW-Authenticate": 'Basic realm="Kontakt", charset="UTF-8"'}
    )


def _dav(handler: Handler) -> Handler:
    """Common to every DAV answer: the DAV header, Basic challenges, bad XML as 400."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            answer = await handler(request)
        except Unauthenticated as exc:
            answer = _unauthorized(exc.detail)
        except BadXml as exc:
            answer = problem(400, "The request body is not valid XML: %(exc)s", values={"exc": exc})
        answer.headers["DAV"] = DAV_HEADER
        return answer

    return wrapped


@routes.route("*", "/.well-known/carddav")
async def well_known(_: web.Request) -> web.Response:
    """RFC 6764: where the CardDAV service lives."""
    raise web.HTTPMovedPermanently(ROOT)


def _options(allow: str) -> Handler:
    async def options(_: web.Request) -> web.Response:
        return web.Response(status=200, headers={"DAV": DAV_HEADER, "Allow": allow})

    return options


def _otherwise(allow: str) -> Handler:
    """Write methods: 403 with the privilege they need; anything else: 405 with `Allow`."""

    async def otherwise(request: web.Request) -> web.StreamResponse:
        write = WRITES.get(request.method)
        if write is None:
            return problem(
                405,
                "%(method)s is not something this resource does.",
                headers={"Allow": allow, "DAV": DAV_HEADER},
                values={"method": request.method},
            )
        privilege, on_parent = write
        path = request.path
        if on_parent:
            path = path.rstrip("/").rpartition("/")[0] + "/"
        return need_privileges(path, privilege)

    return otherwise


async def _propfind_discovery(request: web.Request) -> web.Response:
    if depth(request) == "infinity":
        return error(403, "propfind-finite-depth")
    view = await caller_view(request)
    body = parse(await request.read())
    asked = wanted(body, PRINCIPAL_PROPS)
    brief = minimal(request)
    href = request.path if request.path.endswith("/") else request.path + "/"
    responses = [principal_response(href, asked, href != PRINCIPAL, brief)]
    if href == HOME and depth(request) == "1":
        point = await request.app[LIBRARY].point(view)
        listed = COLLECTION_PROPS if asked == PRINCIPAL_PROPS else asked
        for slug, info in point.networks.items():
            book = book_of(view, slug, info)
            responses.append(collection_response(book, point.version, point.token, listed, brief))
    return multistatus(responses)


async def _propfind_book(request: web.Request) -> web.Response:
    if depth(request) == "infinity":
        return error(403, "propfind-finite-depth")
    body = parse(await request.read())
    book, shelf, members = await open_book(request)
    brief = minimal(request)
    responses: list[ET.Element | str] = [
        collection_response(book, shelf.version, shelf.token, wanted(body, COLLECTION_PROPS), brief)
    ]
    if depth(request) == "1":
        asked = wanted(body, ITEM_PROPS)
        responses += [member_response(members[uid], asked, None, brief) for uid in shelf.contacts]
    return multistatus(responses)


async def _member(request: web.Request) -> Member:
    _, _, members = await open_book(request)
    member = members.get(unquote(request.match_info["item"]).removesuffix(".vcf"))
    if member is None:
        raise NotFound("No such card in this address book.")
    return member


async def _propfind_item(request: web.Request) -> web.Response:
    body = parse(await request.read())
    member = await _member(request)
    return multistatus([member_response(member, wanted(body, ITEM_PROPS), None, minimal(request))])


def _vcard_answer(request: web.Request, text: str, etag: str) -> web.Response:
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    answered = conditional(request, etag, headers)
    if answered is not None:
        return answered
    return web.Response(body=text.encode(), headers=headers | {"Content-Type": TEXT_VCARD})


async def _get_item(request: web.Request) -> web.Response:
    member = await _member(request)
    return _vcard_answer(request, member.text, member.etag)


BOOK_PIECE = 64 * 1024  # octets written at a time when a whole book is sent


async def _get_book(request: web.Request) -> web.StreamResponse:
    """The whole address book as one .vcf (what Radicale and others answer to GET).

    Streamed a piece at a time: never one string of every card (a large book's copy).
    """
    _, shelf, members = await open_book(request)
    hashed = hashlib.sha256()
    for uid in shelf.contacts:
        hashed.update(members[uid].etag.encode())
    etag = f'"{hashed.hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    answered = conditional(request, etag, headers)
    if answered is not None:
        return answered
    response = web.StreamResponse(headers=headers | {"Content-Type": TEXT_VCARD})
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    piece: list[bytes] = []
    size = 0
    for uid in shelf.contacts:
        card = members[uid].text.encode()
        piece.append(card)
        size += len(card)
        if size >= BOOK_PIECE:
            await response.write(b"".join(piece))
            piece, size = [], 0
    await response.write(b"".join(piece))
    await response.write_eof()
    return response


async def _report(request: web.Request) -> web.Response:
    body = parse(await request.read())
    if body is None:
        return problem(400, "A REPORT needs a body.")
    return await report(request, body, caller_view, open_book)


def add_routes(app: web.Application) -> None:
    """Every CardDAV path with the methods it answers; writes 403, the rest 405."""
    app.router.add_routes(routes)
    resources: list[tuple[tuple[str, ...], str, dict[str, Handler]]] = [
        (DISCOVERY, ALLOW_DISCOVERY, {"PROPFIND": _propfind_discovery}),
        (
            BOOK,
            ALLOW_BOOK,
            {"GET": _get_book, "HEAD": _get_book, "PROPFIND": _propfind_book, "REPORT": _report},
        ),
        ((ITEM,), ALLOW_ITEM, {"GET": _get_item, "HEAD": _get_item, "PROPFIND": _propfind_item}),
    ]
    for paths, allow, handlers in resources:
        for path in paths:
            app.router.add_route("OPTIONS", path, _dav(_options(allow)))
            for method, handler in handlers.items():
                app.router.add_route(method, path, _dav(handler))
            app.router.add_route("*", path, _dav(_otherwise(allow)))
