"""`POST /v1/contacts/import`: a vCard, CSV or JSON file, streamed into the one engine."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from services.directory.importing import collector
from services.directory.importing.engine import Importer, Options
from services.directory.importing.rows import TooLarge
from services.directory.importing.run import reader_for, run_import, sniff_format
from services.directory.keys import POOL, QUERIES, SETTINGS
from services.directory.store import network_ids
from shared.bodies import large_body, paced_read
from shared.errors import BadRequest, FieldError, Forbidden, ValidationFailed
from shared.errors import TooLarge as BodyTooLarge
from shared.i18n import LANGUAGES
from shared.identity import identify
from shared.progress import NdjsonProgress, wants_progress

routes = web.RouteTableDef()
log = logging.getLogger(__name__)

FORMATS = {
    "text/vcard": "vcard",
    "text/x-vcard": "vcard",
    "text/directory": "vcard",
    "text/csv": "csv",
    "text/comma-separated-values": "csv",
    "application/json": "json",
}
PIECE = 64 * 1024


def _options(request: web.Request) -> Options:
    lang = request.query.get("lang") or None  # None: each network's default language
    if lang is not None and lang not in LANGUAGES:
        raise ValidationFailed(
            [FieldError("lang", "must be one of %(choices)s", {"choices": ", ".join(LANGUAGES)})]
        )
    dry_run = request.query.get("dry_run", "false").lower()
    if dry_run not in {"true", "false", "1", "0"}:
        raise ValidationFailed([FieldError("dry_run", "must be true or false")])
    return Options(
        network=request.query.get("network") or None,
        lang=lang,
        dry_run=dry_run in {"true", "1"},
        check_deliverability=request.app[SETTINGS].email_check_deliverability,
    )


def _too_large(limit: int) -> BodyTooLarge:
    size = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 2**10} kB"
    return BodyTooLarge(
        f"The file is larger than {size} without its photos; "
        "split it, or ask for a larger KONTAKT_IMPORT_MAX_BYTES."
    )


@routes.post("/v1/contacts/import")
@large_body
async def import_contacts(request: web.Request) -> web.StreamResponse:
    """Import every card or row, each created, updated or rejected; one report for all.

    The body is read as it streams, within `KONTAKT_IMPORT_MAX_BYTES` (photos not counted),
    once the caller is known to be one who edits contacts.
    """
    caller = await identify(request)
    options = _options(request)
    limit = request.app[SETTINGS].import_max_bytes
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        if options.network is not None:
            try:
                ids = await network_ids(conn, q, [options.network], field="network")
            except ValidationFailed:
                if caller.is_admin:
                    raise
                ids = {}  # for anyone else, a network nobody has reads as one they may not edit
            if options.network not in ids or not caller.can("edit_contacts", ids[options.network]):
                raise Forbidden("You may import contacts only into your own networks.")
        # The engine works on each piece before it reads the next: the body's deadline counts
        # only the time spent waiting for it.
        first = await paced_read(request, PIECE)
        fmt = FORMATS.get(request.content_type)
        if fmt is None and request.content_type in {"application/octet-stream", "text/plain"}:
            fmt = sniff_format(first)
        if fmt is None:
            raise BadRequest("Send the file as text/vcard, text/csv or application/json.")
        if fmt == "vcard" and options.network is None and not caller.is_admin:
            raise ValidationFailed([FieldError("network", "is required")])
        reader = reader_for(fmt, limit, request.charset)
        progress = NdjsonProgress(request, every=PIECE) if wants_progress(request) else None
        total = request.content_length or 0
        importer = Importer(caller.is_admin, lambda ids: caller.can_all("edit_contacts", ids))

        async def chunks() -> AsyncIterator[bytes]:
            yield first
            while piece := await paced_read(request, PIECE):
                yield piece

        async def report_progress(done: int) -> None:
            # The first line waits for the first piece: a bad header still gets its 4xx.
            if progress is not None:
                await progress(done, max(total, done))

        try:
            workers = request.app[SETTINGS].import_workers
            report = await run_import(
                conn, q, reader, chunks(), options, importer, report_progress, workers
            )
        except TooLarge as exc:
            if progress is not None and progress.response is not None:
                return await progress.fail(_too_large(exc.limit).detail)
            raise _too_large(exc.limit) from exc
        except BadRequest as exc:
            if progress is not None and progress.response is not None:
                return await progress.fail(exc.detail)
            raise
        except Exception:
            if progress is None or progress.response is None:
                raise  # the error middleware answers
            # The status went out with the first line: the stream ends with a problem line.
            log.exception("import failed after its first progress line")
            return await progress.fail(
                "Something went wrong on our side. Quote the request id if you report it."
            )
    with collector.relaxed():
        # A few containers a row, all kept until the answer is sent: built, as the import
        # was, without a young collection every 700 of them.
        answer = report.as_json()
    if progress is not None:
        return await progress.finish(answer)
    return web.json_response(answer, dumps=lambda d: json.dumps(d, ensure_ascii=False))
