"""Downloads: one card (3.0, 4.0, jCard), a network as one streamed .vcf or a ZIP, QR codes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web

from services.vcard.access import View, view_of
from services.vcard.cards import Card, card_from_contact
from services.vcard.keys import DIRECTORY, QR_CODES, SETTINGS
from services.vcard.negotiation import CONTENT_TYPES, wanted_format, wanted_lang
from services.vcard.qr import Kind, etag_of
from services.vcard.render import jcard_text, vcard
from shared.conditional import conditional
from shared.errors import NotFound
from shared.payloads import Contact
from shared.validate import path_id
from shared.web import disposition, safe_name

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

routes = web.RouteTableDef()


def _caching(view: View) -> dict[str, str]:
    # A card with addresses is for this caller only; the anonymous card may be revalidated.
    control = "public, max-age=0, must-revalidate" if view.anonymous else "private, no-store"
    return {"Cache-Control": control, "Vary": "Accept, Authorization"}


async def _card(request: web.Request, reveal_ok: bool) -> tuple[Card, View, Contact]:
    directory = request.app[DIRECTORY]
    view = await view_of(request, directory, request.app[SETTINGS], reveal_ok=reveal_ok)
    # A revealed contact is read as anyone sees it; the reveal brought its addresses.
    contact = await directory.contact(path_id(request, "contact"), view.token)
    networks = await directory.network_info(view.token)
    names = {slug: info["names"] for slug, info in networks.items()}
    card = card_from_contact(contact, wanted_lang(request), names, view.emails(contact))
    return card, view, contact


@routes.get(r"/v1/contacts/{id:\d+}.vcf")
async def single(request: web.Request) -> web.StreamResponse:
    """One contact: vCard 3.0 by default, 4.0 or jCard on request; e-mail only when entitled."""
    fmt = wanted_format(request)
    card, view, contact = await _card(request, reveal_ok=True)
    outlook = request.query.get("flavour") == "outlook"
    text = jcard_text([card]) if fmt == "jcard" else vcard(card, fmt, outlook=outlook)
    body = text.encode("utf-8")
    digest = hashlib.blake2b(body, digest_size=8).hexdigest()
    etag = f'"{contact["id"]}.{contact["revision"]}.{view.key.replace(chr(34), "")}.{digest}"'
    headers = _caching(view)
    answered = conditional(request, etag, headers)
    if answered is not None:
        return answered
    ext = "json" if fmt == "jcard" else "vcf"
    return web.Response(
        body=body,
        headers=headers
        | {
            "Content-Type": CONTENT_TYPES[fmt],
            "Content-Disposition": disposition(f"{card.file_stem}.{ext}"),
            "ETag": etag,
        },
    )


async def _cards(request: web.Request) -> tuple[AsyncIterator[Card], str]:
    """The network's cards as they stream from the directory, and the download's name."""
    directory = request.app[DIRECTORY]
    view = await view_of(request, directory, request.app[SETTINGS], reveal_ok=False)
    slug = request.match_info["slug"]
    member = request.query.get("member") or None
    lang = wanted_lang(request)
    networks = await directory.network_info(view.token)
    if slug not in networks or (member is not None and member not in networks):
        raise NotFound("No network %(member)r.", values={"member": member or slug})
    names = {s: info["names"] for s, info in networks.items()}
    contacts = directory.contacts(slug, member, view.token)
    first = await anext(contacts, None)  # fail before the response starts, not halfway

    async def cards() -> AsyncIterator[Card]:
        if first is None:
            return
        yield card_from_contact(first, lang, names, view.emails(first))
        async for contact in contacts:
            yield card_from_contact(contact, lang, names, view.emails(contact))

    name = f"{slug}-{member}" if member else slug
    return cards(), name


def _bulk_format(request: web.Request) -> tuple[str, bool]:
    # A bulk file is vCard text; a jCard request gets 4.0, its closest relative.
    fmt = wanted_format(request)
    return ("4.0" if fmt == "jcard" else fmt), request.query.get("flavour") == "outlook"


def _bulk_headers(name: str, content_type: str) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Disposition": disposition(name),
        "Cache-Control": "private, no-store",
        "Vary": "Authorization",
    }


@routes.get(r"/v1/networks/{slug}.vcf")
async def bulk(request: web.Request) -> web.StreamResponse:
    """A network (or `?member=`) as one .vcf, streamed: memory stays flat however large."""
    fmt, outlook = _bulk_format(request)
    cards, name = await _cards(request)
    response = web.StreamResponse(headers=_bulk_headers(f"{name}.vcf", CONTENT_TYPES[fmt]))
    await response.prepare(request)
    if request.method == "HEAD":
        return response  # the headers GET would send, and no body (RFC 9110 §9.3.2)
    async for card in cards:
        await response.write(vcard(card, fmt, outlook=outlook).encode("utf-8"))
    await response.write_eof()
    return response


class _Spool(io.RawIOBase):
    """A write-only stream whose bytes are handed on as they come (ZIP without a seek)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data)
        self.chunks.append(view.tobytes())
        return view.nbytes

    def drain(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


@routes.get(r"/v1/networks/{slug}.zip")
async def bulk_zip(request: web.Request) -> web.StreamResponse:
    """One file per contact, for Outlook, which imports only a file's first card."""
    fmt, outlook = _bulk_format(request)
    cards, name = await _cards(request)
    response = web.StreamResponse(headers=_bulk_headers(f"{name}.zip", "application/zip"))
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    spool = _Spool()
    used: set[str] = set()
    with zipfile.ZipFile(spool, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        async for card in cards:
            stem = safe_name(card.file_stem)
            filename, counter = f"{stem}.vcf", 1
            while filename.lower() in used:
                counter += 1
                filename = f"{stem} ({counter}).vcf"
            used.add(filename.lower())
            archive.writestr(filename, vcard(card, fmt, outlook=outlook).encode("utf-8"))
            await response.write(spool.drain())
    await response.write(spool.drain())
    await response.write_eof()
    return response


@routes.get(r"/v1/contacts/{id:\d+}/qr.svg")
@routes.get(r"/v1/contacts/{id:\d+}/qr.png")
async def qr(request: web.Request) -> web.Response:
    """A QR code holding a compact vCard (with e-mail only for an entitled caller).

    Drawn in a QR thread and kept by its ETag (services/vcard/qr.py), never on the loop.
    """
    card, view, _ = await _card(request, reveal_ok=True)
    kind: Kind = "png" if request.path.endswith(".png") else "svg"
    text = vcard(card, "3.0", compact=True)
    headers = _caching(view)
    answered = conditional(request, etag_of(text, kind), headers)
    if answered is not None:
        return answered
    image = await request.app[QR_CODES].image(text, kind)
    return web.Response(
        body=image.body,
        headers=headers | {"Content-Type": image.content_type, "ETag": image.etag},
    )
