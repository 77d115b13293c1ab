"""Long uploads: a service's NDJSON progress lines passed through to the page's script."""

from __future__ import annotations

import json

from aiohttp import web

from services.console.pages import backend
from shared.progress import NDJSON


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
