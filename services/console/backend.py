"""The other services, called over HTTP with the signed-in coordinator's own token."""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass
from json import loads
from typing import Any

import aiohttp

from shared.errors import Unavailable


@dataclass
class Answer:
    """What a service said: status and JSON (or a problem document)."""

    status: int
    data: Any

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    def field_errors(self) -> dict[str, str]:
        """Problem `errors` by field name, for showing next to the form's inputs."""
        if not isinstance(self.data, dict):
            return {}
        return {e.get("field", ""): e.get("message", "") for e in self.data.get("errors", [])}

    @property
    def refusal(self) -> str:
        """Why a form was refused, for the page answering it: each field's reason, else detail."""
        return "; ".join(f"{k}: {v}" for k, v in self.field_errors().items()) or self.detail

    @property
    def reasons(self) -> str:
        """Why a read was refused, in the coordinator's words: the messages, no field names."""
        return " ".join(v for v in self.field_errors().values() if v) or self.detail

    @property
    def refusal_status(self) -> int:
        """The status of the page answering a refused form: the service's 4xx, else 422."""
        return self.status if 400 <= self.status < 500 else 422

    @property
    def detail(self) -> str:
        """The problem's detail, for a message at the top of the page."""
        if isinstance(self.data, dict):
            return str(self.data.get("detail") or self.data.get("title") or "")
        return ""


class Forbidden(Exception):
    """The coordinator may not see or do this: the console shows its 403 page."""


class Refused(Exception):
    """A service refused a read (4xx problem): the console shows its message, never a 500."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


class SignedOut(Exception):
    """The token no longer works: the console asks the coordinator to sign in again."""


class Backend:
    """One coordinator's view of the directory and the mailing service."""

    def __init__(
        self, session: aiohttp.ClientSession, bases: dict[str, str], token: str, lang: str = "en"
    ) -> None:
        self.session = session
        self.bases = {name: url.rstrip("/") for name, url in bases.items()}
        self.token = token
        # The services write their problem details in the coordinator's language.
        self.lang = lang

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        strict: bool = True,
        json: object = None,
        data: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> Answer:
        """Call a service with a `json` or raw `data` body; 401 signs out, 403/404 show the
        403 page when `strict`."""
        sent = {
            "Authorization": f"Bearer {self.token}",
            "Accept-Language": self.lang,
            **(headers or {}),
        }
        url = f"{self.bases[service]}{path}"
        try:
            async with self.session.request(
                method,
                url,
                headers=sent,
                json=json,
                data=data,
                timeout=client_timeout or self.session.timeout,
            ) as response:
                body = await response.read()
                status = response.status
                is_json = response.content_type.endswith("json")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unavailable(
                "The %(service)s service cannot be reached. Try again shortly.",
                values={"service": service},
            ) from exc
        found = loads(body) if body and is_json else body
        if status == 401:
            raise SignedOut()
        if strict and status in (403, 404):
            raise Forbidden()
        if status >= 500:
            raise Unavailable(
                "The %(service)s service is not answering properly.", values={"service": service}
            )
        return Answer(status, found)

    async def get(self, service: str, path: str) -> Any:
        """GET JSON that must be there; a refusal (4xx) raises `Refused` with the problem."""
        answer = await self.call(service, "GET", path)
        if not answer.ok:
            raise Refused(answer)
        return answer.data
