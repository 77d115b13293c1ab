"""Long transfers passed through: uploads with their progress lines, and downloads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import BodyPartReader, web

from services.console.backend import Answer, Forbidden, NotFound, Refused
from services.console.pages import backend, render
from shared.i18n import N_
from shared.progress import NDJSON, wants_progress
from shared.text import form_fields, nfc
from shared.web import start_download

# An upload is passed on as it arrives: the service at the other end may take minutes over a
# large file, and sends a progress line at least every piece it reads.
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_read=300)
PIECE = 64 * 1024
FIELD_LIMIT = 4096  # the form's small fields (CSRF token, network)


@dataclass
class Upload:
    """A multipart form read up to its file: the fields before it, and the file as a stream."""

    fields: dict[str, str]
    filename: str
    content_type: str
    part: BodyPartReader | None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes, piece by piece, as the browser sends them."""
        while self.part is not None and (piece := await self.part.read_chunk(PIECE)):
            yield piece


async def read_upload(request: web.Request) -> Upload:
    """The form's fields up to its file part (forms put the file last), never the whole body."""
    fields: dict[str, str] = {}
    if request.content_type != "multipart/form-data":  # no file in it: a small form
        small = await form_fields(request)
        return Upload({k: v for k, v in small.items() if isinstance(v, str)}, "", "", None)
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                break
            if part.filename is not None:
                return Upload(fields, part.filename, part.headers.get("Content-Type", ""), part)
            raw = await part.read_chunk(FIELD_LIMIT)
            fields[part.name or ""] = nfc(raw.decode("utf-8", "replace"))
    except (ValueError, AssertionError, KeyError) as exc:
        raise web.HTTPBadRequest(text=N_("The form cannot be read.")) from exc
    return Upload(fields, "", "", None)


async def stream_progress(
    request: web.Request,
    service: str,
    path: str,
    body: bytes | AsyncIterable[bytes],
    content_type: str,
) -> web.StreamResponse:
    """POST `body` to the service asking for progress, and relay each line as it comes."""
    api = backend(request)
    response = web.StreamResponse(headers={"Content-Type": NDJSON})
    await response.prepare(request)
    async with api.session.post(
        f"{api.bases[service]}{path}",
        data=body,
        headers={
            "Authorization": f"Bearer {api.token}",
            "Content-Type": content_type,
            "Accept": NDJSON,
            # The report's notes and refusals are written in the reader's language.
            "Accept-Language": api.lang,
        },
        timeout=UPLOAD_TIMEOUT,
    ) as upstream:
        if upstream.status != 200:
            problem = await upstream.json(content_type=None)
            detail = problem.get("detail", "") if isinstance(problem, dict) else ""
            await response.write(json.dumps({"error": detail}).encode() + b"\n")
        else:
            # Passed on in pieces, not lines: the last line, the report, may be megabytes.
            async for piece in upstream.content.iter_chunked(PIECE):
                await response.write(piece)
    await response.write_eof()
    return response


async def download(
    request: web.Request, service: str, path: str, content_type: str, filename: str
) -> web.StreamResponse:
    """A service's file, streamed to the browser as an attachment (403 or not-found page if not)."""
    api = backend(request)
    async with api.session.get(
        f"{api.bases[service]}{path}",
        headers={"Authorization": f"Bearer {api.token}", "Accept-Language": api.lang},
    ) as upstream:
        if upstream.status == 403:
            raise Forbidden()
        if upstream.status == 404:
            raise NotFound()
        if 400 <= upstream.status < 500:
            problem = await upstream.read()
            is_json = upstream.content_type.endswith("json") and problem
            raise Refused(Answer(upstream.status, json.loads(problem) if is_json else {}, api.lang))
        if upstream.status != 200:
            raise web.HTTPBadGateway()
        response = await start_download(request, content_type, filename)
        async for piece in upstream.content.iter_chunked(65536):
            await response.write(piece)
    await response.write_eof()
    return response


async def relay_upload(
    request: web.Request, service: str, path: str, back: str
) -> web.StreamResponse:
    """The form's CSV `file` to a service's import: progress lines for a script, or a report."""
    form = await form_fields(request)
    upload = form.get("file")
    body = upload.file.read() if isinstance(upload, web.FileField) else b""
    if wants_progress(request):
        return await stream_progress(request, service, path, body, "text/csv")
    answer = await backend(request).call(
        service, "POST", path, data=body, headers={"Content-Type": "text/csv"}
    )
    return render(
        request,
        "import_report.html",
        {
            "report": answer.data if answer.ok else None,
            "error": None if answer.ok else answer.refusal,
            "back": back,
        },
        status=200 if answer.ok else 422,
    )
