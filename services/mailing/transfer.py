"""Subscriber CSV import (a report per row, safe to repeat, progress as it goes) and export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing.access import coordinator, require
from services.mailing.keys import POOL, QUERIES
from services.mailing.lists import list_row
from services.mailing.returns.suppression import suppressed_among
from shared.addresses import normalize_address
from shared.csvio import Cell, CsvWriter, restore, stream_csv
from shared.errors import BadRequest
from shared.i18n import LANGUAGES
from shared.progress import NdjsonProgress, wants_progress

routes = web.RouteTableDef()

CHUNK = 1000
IMPORT_LIMIT = 64 * 1024 * 1024
COLUMNS = ["email", "name", "lang", "status", "created_at", "confirmed_at"]


def parse_rows(
    text: str, default_lang: str
) -> tuple[list[tuple[int, str, str, str]], list[dict[str, Any]]]:
    """Valid (row, email, name, lang) and the rejected rows with their reasons."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "email" not in [f.strip().lower() for f in reader.fieldnames]:
        raise BadRequest("The CSV needs a header row with an `email` column.")
    good: list[tuple[int, str, str, str]] = []
    bad: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=1):
        row = {(k or "").strip().lower(): restore((v or "").strip()) for k, v in raw.items()}
        lang = row.get("lang") or default_lang
        if lang not in LANGUAGES:
            bad.append(
                {
                    "row": number,
                    "field": "lang",
                    "message": f"must be one of {', '.join(LANGUAGES)}",
                }
            )
            continue
        try:
            address = normalize_address(row.get("email", ""))
        except EmailNotValidError as exc:
            bad.append({"row": number, "field": "email", "message": str(exc)})
            continue
        if address.lower() in seen:
            bad.append({"row": number, "field": "email", "message": "appears twice in this file"})
            continue
        seen.add(address.lower())
        name = " ".join("".join(ch for ch in row.get("name", "") if ch.isprintable()).split())[:200]
        good.append((number, address, name, lang))
    return good, bad


@routes.post("/v1/lists/{slug}/import")
async def import_csv(request: web.Request) -> web.StreamResponse:
    """Import subscribers as confirmed (the coordinator vouches for their consent)."""
    caller = await coordinator(request)
    lst = await list_row(request, request.match_info["slug"])
    require(caller, "manage_lists", lst["network"])
    if request.content_type not in {"text/csv", "text/plain", "application/octet-stream"}:
        raise BadRequest("Send the file as text/csv.")
    data = bytearray()
    # Imports may be far larger than other bodies, so they get their own limit.
    async for piece in request.content.iter_chunked(65536):
        data += piece
        if len(data) > IMPORT_LIMIT:
            raise web.HTTPRequestEntityTooLarge(max_size=IMPORT_LIMIT, actual_size=len(data))
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest("The CSV must be UTF-8.") from exc
    good, bad = parse_rows(text, lst["lang"])
    async with request.app[POOL].acquire() as conn:
        suppressed = await suppressed_among(conn, request.app[QUERIES], [g[1] for g in good])
    if suppressed:
        # No list takes a suppressed address; the row is reported, the rest go on.
        bad += [
            {
                "row": g[0],
                "field": "email",
                "message": f"is on the suppression list ({suppressed[g[1].lower()]})",
            }
            for g in good
            if g[1].lower() in suppressed
        ]
        bad.sort(key=lambda r: int(r["row"]))
        good = [g for g in good if g[1].lower() not in suppressed]
    progress = NdjsonProgress(request, every=CHUNK) if wants_progress(request) else None
    created = confirmed = 0
    q = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn:
        for start in range(0, len(good), CHUNK):
            chunk = good[start : start + CHUNK]
            async with conn.transaction():
                row = await conn.fetchrow(
                    q["import-chunk"],
                    lst["id"],
                    [c[1] for c in chunk],
                    [c[2] for c in chunk],
                    [c[3] for c in chunk],
                )
            assert row is not None
            created += row["created"]
            confirmed += row["confirmed"]
            if progress is not None:
                await progress(min(start + CHUNK, len(good)), len(good))
    report = {
        "rows": len(good) + len(bad),
        "created": created,
        "confirmed": confirmed,
        "unchanged": len(good) - created - confirmed,
        "rejected": bad,
    }
    if progress is not None:
        return await progress.finish(report)
    return web.json_response(report, dumps=lambda d: json.dumps(d, ensure_ascii=False))


@routes.get("/v1/lists/{slug}/export.csv")
async def export_csv(request: web.Request) -> web.StreamResponse:
    """Every subscriber of the list with status, streamed; cells neutralised for spreadsheets."""
    caller = await coordinator(request)
    lst = await list_row(request, request.match_info["slug"])
    require(caller, "manage_lists", lst["network"], write=False)

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

    return await stream_csv(request, CsvWriter(COLUMNS), rows(), f"{lst['slug']}.csv")
