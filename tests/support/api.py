"""A client for our running services that checks every response against the OpenAPI document."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from multidict import CIMultiDictProxy

from tests.support.openapi import OpenApi


@dataclass
class Reply:
    """A response, read whole."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8")

    @property
    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)

    def problem_fields(self) -> list[str]:
        """The fields a 422 problem names."""
        return [e["field"] for e in self.json.get("errors", [])]


class Api:
    """Requests to one service as one caller (a token, or nobody)."""

    def __init__(
        self, client: TestClient[Any, Any], spec: OpenApi, token: str | None = None
    ) -> None:
        self.client = client
        self.spec = spec
        self.token = token

    def as_(self, token: str | None) -> Api:
        """The same service, another caller."""
        return Api(self.client, self.spec, token)

    async def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Reply:
        """Send a request; assert that the answer matches the document and leaks nothing."""
        headers = dict(headers or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        async with self.client.request(method, url, headers=headers, **kwargs) as response:
            body = await response.read()
            reply = Reply(response.status, response.headers, body)
            content_type = response.content_type
        path = url.split("?", 1)[0]
        assert b"Traceback" not in body, f"{method} {url} leaked a stack trace"
        if reply.status >= 400 and content_type != "text/html":  # pages for people stay pages
            assert content_type == "application/problem+json", f"{method} {url}: {content_type}"
            assert reply.json["status"] == reply.status
        self.spec.check(method, path, reply.status, content_type, body)
        return reply

    async def get(self, url: str, **kwargs: Any) -> Reply:
        """GET."""
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Reply:
        """POST."""
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Reply:
        """PATCH."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Reply:
        """DELETE."""
        return await self.request("DELETE", url, **kwargs)
