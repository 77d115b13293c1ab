"""The other services, called over HTTP with the signed-in coordinator's own token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass
from json import loads
from typing import Any

import aiohttp

from shared.errors import Unavailable
from shared.i18n import N_, NC_, Term, translator

# The API's field names as the console's forms label them: a refusal names the field a person
# sees, in their language, never `subject` or `embed_origins[0]`. A field not here is named
# by nothing: its message alone.
FIELD_LABELS: dict[str, Term] = {
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "display_name": N_("Display name"),
    "titles": NC_("a thing's name", "Name"),
    "organisation": N_("Organisation"),
    "phones": N_("Phone numbers"),
    "emails": N_("E-mail addresses"),
    "links": N_("Web links"),
    "networks": N_("Networks"),
    "network": N_("Network"),
    "names": NC_("a thing's name", "Name"),
    "name": N_("Name"),
    "country": N_("Country"),
    "website": N_("Website"),
    "email": N_("E-mail"),
    "address": N_("Address"),
    "lang": N_("Language"),
    "permissions": N_("Permissions"),
    "expires": N_("Expires"),
    "from_name": N_("Sender name"),
    "from_address": N_("Sender address"),
    "thank_you_url": N_("Thank-you page (the full address of a page on your site)"),
    "embed_origins": N_("Sites (one a line; empty: as the network above)"),
    "colour": N_("Colour"),
    "logo_url": N_("Logo"),
    "subject": N_("Subject"),
    "body": N_("Text (Markdown)"),
    "addresses": N_("Test addresses (comma-separated)"),
    "at": N_("Date"),
    "zone": N_("Time zone"),
    "reason": N_("Reason"),
    "status": N_("Status"),
}


def field_label(path: str, lang: str) -> str | None:
    """The label a person sees for API field `path` (`phones[1].number`: its list's label)."""
    head = path.split("[", 1)[0].split(".", 1)[0]
    found = FIELD_LABELS.get(head)
    return translator(lang).term(found) if found is not None else None


def field_name(path: str, lang: str) -> str:
    """API field `path` as a person reads it: its label, and which of a list's items
    (`emails[0]` -> "E-mail addresses 1"); '' for a field with no label."""
    line = re.fullmatch(r"line (\d+)", path)  # an import's place in its file
    if line:
        return translator(lang).gettext("line %(number)s", number=int(line[1]))
    label = field_label(path, lang)
    item = re.match(r"^[a-z_]+\[(\d+)\]", path)
    if label and item:
        return f"{label} {int(item[1]) + 1}"
    return label or ""


def field_labels(lang: str) -> dict[str, str]:
    """Every field's label in `lang`, by API name (for scripts naming a report's fields)."""
    tr = translator(lang)
    labels = {name: tr.term(term) for name, term in FIELD_LABELS.items()}
    # An import's place in its file (`line 12`): the script fills in the number.
    return labels | {"line %(number)s": tr.gettext("line %(number)s")}


def sentence(message: str) -> str:
    """A message that followed a field name (`must be …`), standing alone: capitalised."""
    return message[:1].upper() + message[1:]


@dataclass
class Answer:
    """What a service said: status and JSON (or a problem document), in the coordinator's
    language `lang` (the services write their messages in it; the console its labels)."""

    status: int
    data: Any
    lang: str = "en"

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
        """Why a form was refused, for the page answering it: each field's reason after the
        label a person sees (no label: the reason alone), else the detail."""
        said = []
        for path, message in self.field_errors().items():
            label = field_label(path, self.lang)
            said.append(f"{label}: {message}" if label else sentence(message))
        return " ".join(s if s.endswith(".") else f"{s}." for s in said) or self.detail

    @property
    def reasons(self) -> str:
        """Why a read was refused, in the coordinator's words: the messages, no field names."""
        said = [sentence(v) for v in self.field_errors().values() if v]
        return " ".join(s if s.endswith(".") else f"{s}." for s in said) or self.detail

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


class NotFound(Exception):
    """What was asked for does not exist (the service's 404, or an id no item can have): the
    console shows its not-found page, not the 403 page's "not yours"."""


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
        """Call a service with a `json` or raw `data` body; 401 signs out; when `strict`, 403 shows
        the 403 page and 404 the not-found page."""
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
        if strict and status == 403:
            raise Forbidden()
        if strict and status == 404:
            raise NotFound()
        if status >= 500:
            raise Unavailable(
                "The %(service)s service is not answering properly.", values={"service": service}
            )
        return Answer(status, found, self.lang)

    async def get(self, service: str, path: str) -> Any:
        """GET JSON that must be there; a refusal (4xx) raises `Refused` with the problem."""
        answer = await self.call(service, "GET", path)
        if not answer.ok:
            raise Refused(answer)
        return answer.data
