"""Subscriber CSV import (a report per row, safe to repeat, progress as it goes) and export."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.mailing import subscriber_csv
from services.mailing.keys import POOL, QUERIES
from services.mailing.mailinglist import managed_list
from services.mailing.returns.suppression import suppressed_among
from services.mailing.terms import TERMS
from shared.bodies import large_body
from shared.csvio import Cell, CsvWriter, stream_csv
from shared.errors import FieldError, ValidationFailed
from shared.i18n import word
from shared.progress import NdjsonProgress, wants_progress
from shared.web import utf8_json

routes = web.RouteTableDef()

CHUNK = 1000


@routes.post("/v1/lists/{slug}/import")
@large_body
async def import_csv(request: web.Request) -> web.StreamResponse:
    """Import subscribers: a `status` column is honoured; rows without one need `?consent=`.

    `consent` is the coordinator's statement of how the people without a status consented
    (recorded with the import and on each subscription it confirms). Opt-outs in the file
    are applied; an opt-out already on the list is never undone; importing an export again
    changes nothing.
    """
    caller, lst = await managed_list(request)
    consent = " ".join(request.query.get("consent", "").split())
    if len(consent) > subscriber_csv.QUERY_TEXT_MAX:
        raise ValidationFailed(
            [
                FieldError(
                    "consent",
                    "must be at most %(value)s characters",
                    {"value": subscriber_csv.QUERY_TEXT_MAX},
                )
            ]
        )
    text = await subscriber_csv.upload(request)
    good, bad = subscriber_csv.parse_rows(text, lst["lang"])
    # Named in the report, so a status column spelt unrecognisably is not silently ignored
    # (an export's own dates are known and not imported).
    unread = [
        c for c in subscriber_csv.unread_columns(text) if c.casefold() not in subscriber_csv.COLUMNS
    ]
    if not consent and any(g[4] == "confirmed" for g in good):
        raise ValidationFailed(
            [
                FieldError(
                    "consent",
                    "state how the people this file does not mark otherwise consented "
                    "(it is recorded as their consent)",
                )
            ]
        )
    async with request.app[POOL].acquire() as conn:
        suppressed = await suppressed_among(conn, request.app[QUERIES], [g[1] for g in good])
    if suppressed:
        # No list takes a suppressed address; the row is reported, the rest go on.
        bad += [
            subscriber_csv.rejection(
                g[0],
                FieldError(
                    "email",
                    "is on the suppression list (%(reason)s)",
                    {"reason": word(TERMS["reason"], suppressed[g[1].lower()])},
                ),
            )
            for g in good
            if g[1].lower() in suppressed
        ]
        bad.sort(key=lambda r: r["row"])
        good = [g for g in good if g[1].lower() not in suppressed]
    progress = NdjsonProgress(request, every=CHUNK) if wants_progress(request) else None
    created = confirmed = opted_out = 0
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        import_id = await conn.fetchval(
            q["insert-import"], lst["id"], caller.account_id, consent or "(statuses only)"
        )
        source = {"source": "import", "import": import_id, "statement": consent}
        for start in range(0, len(good), CHUNK):
            chunk = good[start : start + CHUNK]
            async with conn.transaction():
                row = await conn.fetchrow(
                    q["import-chunk"],
                    lst["id"],
                    [c[1] for c in chunk],
                    [c[2] for c in chunk],
                    [c[3] for c in chunk],
                    [c[4] for c in chunk],
                    source,
                )
                # This list's view only: another list's view of the same person stays.
                await conn.execute(
                    q["rename-members"], lst["id"], [c[1] for c in chunk], [c[2] for c in chunk]
                )
            assert row is not None
            created += row["created"]
            confirmed += row["confirmed"]
            opted_out += row["opted_out"]
            if progress is not None:
                await progress(min(start + CHUNK, len(good)), len(good))
    report = {
        "rows": len(good) + len(bad),
        "created": created,
        "confirmed": confirmed,
        "opted_out": opted_out,
        "unchanged": len(good) - created - confirmed - opted_out,
        "rejected": bad,
        "ignored_columns": unread,
    }
    if progress is not None:
        return await progress.finish(report)
    return web.json_response(report, dumps=utf8_json)


# `?dialect=excel`: what Excel opens by a double click where the list separator is `;`
# (Windows in Estonian, Latvian, Lithuanian and most EU regions, whatever Excel's own
# language): `;` between cells, and a UTF-8 byte-order mark, without which Excel reads the
# file as the region's legacy code page and mangles every š, ā and õ.
DIALECTS = {"rfc4180": (",", False), "excel": (";", True)}


@routes.get("/v1/lists/{slug}/export.csv")
async def export_csv(request: web.Request) -> web.StreamResponse:
    """Every subscriber of the list with status, streamed; cells neutralised for spreadsheets.

    `?dialect=rfc4180` (default: `,`, no byte-order mark) or `excel` (`;` and a UTF-8 BOM).
    """
    _, lst = await managed_list(request)
    dialect = request.query.get("dialect", "rfc4180")
    if dialect not in DIALECTS:
        raise ValidationFailed(
            [FieldError("dialect", "must be one of %(choices)s", {"choices": ", ".join(DIALECTS)})]
        )

    async def rows() -> AsyncIterator[list[Cell]]:
        async with request.app[POOL].acquire() as conn, conn.transaction():
            async for row in conn.cursor(request.app[QUERIES]["export-members"], lst["id"]):
                yield [
                    row["email"],
                    row["name"],
                    row["lang"],
                    row["status"],
                    row["created_at"].isoformat(),
                    row["confirmed_at"].isoformat() if row["confirmed_at"] else "",
                ]

    delimiter, byte_order_mark = DIALECTS[dialect]
    writer = CsvWriter(subscriber_csv.COLUMNS, delimiter=delimiter, byte_order_mark=byte_order_mark)
    return await stream_csv(request, writer, rows(), f"{lst['slug']}.csv")
