"""`POST /v1/contacts/import`: .vcf files into the directory, permission-checked per card."""

from __future__ import annotations

import json

from aiohttp import web

from services.directory.csv_import import import_csv
from services.directory.keys import POOL, QUERIES, SETTINGS
from services.directory.store import network_ids
from services.directory.vcf_import import decode, import_vcf
from shared.bodies import large_body, read_large
from shared.errors import BadRequest, FieldError, Forbidden, ValidationFailed
from shared.i18n import LANGUAGES
from shared.identity import identify
from shared.progress import NdjsonProgress, wants_progress

routes = web.RouteTableDef()

VCARD_TYPES = {"text/vcard", "text/x-vcard", "text/directory", "application/octet-stream"}


@routes.post("/v1/contacts/import")
@large_body
async def import_contacts(request: web.Request) -> web.StreamResponse:
    """Import a .vcf (every card) or a CSV (every row) into `?network=`, reporting each."""
    caller = await identify(request)
    progress = NdjsonProgress(request) if wants_progress(request) else None
    # Files may be far larger than other bodies: their own limit, once the caller is known.
    limit = request.app[SETTINGS].import_max_bytes
    if request.content_type == "text/csv":
        report = await import_csv(
            request, caller, decode(await read_large(request, limit)), progress
        )
        if progress is not None:
            return await progress.finish(report)
        return web.json_response(report, dumps=lambda d: json.dumps(d, ensure_ascii=False))
    if request.content_type not in VCARD_TYPES:
        raise BadRequest("Send the file as text/vcard or text/csv.")
    network = request.query.get("network") or None
    lang = request.query.get("lang", "en")
    if lang not in LANGUAGES:
        raise ValidationFailed([FieldError("lang", f"must be one of {', '.join(LANGUAGES)}")])
    text = decode(await read_large(request, limit))
    q = request.app[QUERIES]
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if network is not None:
            ids = await network_ids(conn, q, [network], field="network")
            if not caller.can("edit_contacts", ids[network]):
                raise Forbidden("You may import contacts only into your own networks.")
        elif not caller.is_admin:
            raise ValidationFailed([FieldError("network", "is required")])
        results = await import_vcf(
            conn,
            q,
            text,
            network=network,
            lang=lang,
            check=settings.email_check_deliverability,
            may_edit=lambda ids: caller.can_all("edit_contacts", ids),
            progress=progress,
        )
    counts = {
        s: sum(1 for r in results if r.status == s) for s in ("created", "updated", "rejected")
    }
    if progress is not None:
        # The same shape as a CSV report, so one progress view shows both.
        rejected = [{"row": r.card, "errors": r.errors} for r in results if r.status == "rejected"]
        report = {
            "rows": len(results),
            "created": counts["created"],
            "updated": counts["updated"],
            "rejected": rejected,
        }
        return await progress.finish(report)
    return web.json_response(counts | {"cards": [r.as_json() for r in results]})
