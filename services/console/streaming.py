"""Long transfers passed through: uploads with their progress lines, and downloads."""

from __future__ import annotations

import json

from aiohttp import web

from services.console.backend import Forbidden
from services.console.pages import backend, render
from shared.progress import NDJSON, wants_progress
from shared.text import form_fields


async def stream_progress(
    request: web.Request, service: str, path: str, body: bytes, content_type: str
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
        },
    ) as upstream:
        if upstream.status != 200:
            problem = await upstream.json(content_type=None)
            detail = problem.get("detail", "") if isinstance(problem, dict) else ""
            await response.write(json.dumps({"error": detail}).encode() + b"\n")
        else:
            async for line in upstream.content:
                await response.write(line)
    await response.write_eof()
    return response


async def download(
    request: web.Request, service: str, path: str, content_type: str, filename: str
) -> web.StreamResponse:
    """A service's file, streamed to the browser as an attachment (403 page when refused)."""
    api = backend(request)
    async with api.session.get(
        f"{api.bases[service]}{path}", headers={"Authorization": f"Bearer {api.token}"}
    ) as upstream:
        if upstream.status in (403, 404):
            raise Forbidden()
        if upstream.status != 200:
            raise web.HTTPBadGateway()
        response = web.StreamResponse(
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            }
        )
        await response.prepare(request)
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
            "error": None if answer.ok else answer.detail,
            "back": back,
        },
        status=200 if answer.ok else 422,
    )
