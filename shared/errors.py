"""Domain errors (no HTTP in them) and the one middleware that turns everything into RFC 9457.

A problem's `title` and `detail` (and each field error's `message`) are English msgids,
translated when the response is made into the language the request's `Accept-Language`
asks for; their `%(name)s` placeholders are filled from the error's values. Field names and
every other member stay as they are, for programs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import asyncpg
from aiohttp import web

from shared.bodies import MAX_NESTING, BodyTooSlow, json_depth, within_deadline
from shared.i18n import FALLBACK, N_, Message, Translator, negotiate, translator
from shared.logs import request_id_var
from shared.payloads import JSON
from shared.text import form_fields, lone_surrogates, nfc_json, nfc_request

log = logging.getLogger("kontakt.errors")

PROBLEM_JSON = "application/problem+json"
# The language problems are written in: the request's Accept-Language (set by the middleware).
problem_lang_var: ContextVar[str] = ContextVar("problem_lang", default=FALLBACK)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field that failed validation: a JSON-pointer-like path and why (a msgid).

    `values` fill the message's `%(name)s` placeholders.
    """

    field: str
    message: Message
    values: Mapping[str, object] = dataclass_field(default_factory=dict, compare=False)

    def text(self, tr: Translator | None = None) -> str:
        """The message in `tr`'s language (without one, the request's: see `problem_lang_var`)."""
        return (tr or translator(problem_lang_var.get())).message(self.message, self.values)

    def as_json(self, tr: Translator | None = None) -> dict[str, str]:
        """`{"field", "message"}` as problem documents and reports carry it, translated."""
        return {"field": self.field, "message": self.text(tr)}

    def __reduce__(
        self,
    ) -> tuple[type[FieldError], tuple[str, Message, dict[str, object]]]:
        # Pickled to and from worker processes: a tuple, not field by field.
        return FieldError, (self.field, self.message, dict(self.values))


class DomainError(Exception):
    """Base of errors that code raises without knowing about HTTP.

    `detail` is an English msgid; `values` fill its `%(name)s` placeholders; `extra` are
    further members of the problem document.
    """

    title = N_("Error")

    def __init__(
        self, detail: Message, *, values: Mapping[str, object] | None = None, **extra: object
    ) -> None:
        self.message = detail
        self.values = dict(values or {})
        self.detail = translator(FALLBACK).message(detail, self.values)
        super().__init__(self.detail)
        self.extra = extra

    def detail_in(self, tr: Translator) -> str:
        """The detail in `tr`'s language."""
        return tr.message(self.message, self.values)


class BadRequest(DomainError):
    """The request itself cannot be read."""

    title = N_("Bad request")


class Unauthenticated(DomainError):
    """No valid credential was given."""

    title = N_("Authentication required")


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    title = N_("Forbidden")


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    title = N_("Not found")


class Conflict(DomainError):
    """The change clashes with the current state: a duplicate or a stale revision."""

    title = N_("Conflict")


class Gone(DomainError):
    """What was asked for existed, but is no longer kept (RFC 9110 §15.5.11)."""

    title = N_("Gone")


class ValidationFailed(DomainError):
    """One or more fields are invalid."""

    title = N_("Validation failed")

    def __init__(self, errors: Sequence[FieldError], detail: str | None = None) -> None:
        names = ", ".join(e.field for e in errors)
        super().__init__(detail or N_("Invalid fields: %(names)s"), values={"names": names})
        self.errors = list(errors)


class TooLarge(DomainError):
    """The body is larger than the route accepts (the detail says how large it may be)."""

    title = N_("Request body too large")


class RateLimited(DomainError):
    """Too many requests from one client; try again later."""

    title = N_("Too many requests")

    def __init__(
        self, detail: Message, retry_after: int, *, values: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(detail, values=values)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (PostgreSQL, another service) cannot be reached."""

    title = N_("Service unavailable")

    def __init__(
        self, detail: Message, retry_after: int = 5, *, values: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(detail, values=values)
        self.retry_after = retry_after


STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    ValidationFailed: 422,
    TooLarge: 413,
    RateLimited: 429,
    Unavailable: 503,
}

HTTP_TITLES = {
    400: N_("Bad request"),
    401: N_("Authentication required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    406: N_("Not acceptable"),
    408: N_("Request timeout"),
    409: N_("Conflict"),
    410: N_("Gone"),
    412: N_("Precondition failed"),
    413: N_("Request body too large"),
    415: N_("Unsupported media type"),
    422: N_("Validation failed"),
    429: N_("Too many requests"),
    500: N_("Internal server error"),
    503: N_("Service unavailable"),
}

# Errors that mean PostgreSQL is not there, as opposed to a bug in a query.
DB_DOWN = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.InterfaceError,
    # what asyncpg raises when the server dropped an idle connection it has not noticed yet
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InvalidCatalogNameError,
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,
)


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    values: Mapping[str, object] | None = None,
    headers: dict[str, str] | None = None,
    members: Mapping[str, object] | None = None,
    **extra: object,
) -> web.Response:
    """An `application/problem+json` response, its title and detail (msgids) translated.

    `members` and `extra` are further members of the document (anything `json.dumps` takes).
    """
    lang = problem_lang_var.get()
    tr = translator(lang)
    body: dict[str, object] = {
        "type": "about:blank",
        "title": tr.gettext(title or HTTP_TITLES.get(status, N_("Error"))),
        "status": status,
        "detail": tr.gettext(detail, **(values or {})),
    }
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    body.update(members or {})
    body.update(extra)
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False),
        content_type=PROBLEM_JSON,
        headers={"Content-Language": lang, **(headers or {})},
    )


def domain_problem(exc: DomainError) -> web.Response:
    """Map a domain error to its problem response."""
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    extra = dict(exc.extra)
    headers: dict[str, str] = {}
    if isinstance(exc, ValidationFailed):
        extra["errors"] = [e.as_json() for e in exc.errors]
    if isinstance(exc, RateLimited | Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="kontakt"'
    tr = translator(problem_lang_var.get())
    return problem(status, exc.detail_in(tr), title=exc.title, headers=headers, members=extra)


# Headers every response carries, whatever produced it. `same-origin`, not `no-referrer`: no
# other site learns a page's address (its tokens), and our own forms' posts carry our origin
# (with `no-referrer` browsers send `Origin: null`, which `shared.http.posted_from` refuses).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refused(request: web.Request, exc: asyncpg.IntegrityConstraintViolationError) -> None:
    """A rule of the database's own refused a write: which one is logged (with the request
    id), never answered (a constraint's name tells a person nothing, and a prober the schema).
    """
    log.info(
        "database rule refused a write",
        extra={"path": request.path, "method": request.method, "constraint": exc.constraint_name},
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id and the security headers; turn every failure into a problem."""
    request_id = request.headers.get("X-Request-Id", "")
    if not (0 < len(request_id) <= 64 and request_id.replace("-", "").isalnum()):
        request_id = secrets.token_hex(8)
    token = request_id_var.set(request_id)
    lang_token = problem_lang_var.set(negotiate(request.headers.get("Accept-Language")))
    try:
        response = await _handle(request, handler)
        # One middleware, not two: every layer costs on the busiest cached reads.
        headers = response.headers
        headers["X-Request-Id"] = request_id
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)
        if response.status == 408 and request.transport is not None:
            # Answer, then hang up: aiohttp would otherwise linger reading the slow body.
            await response.prepare(request)
            await response.write_eof()
            request.transport.close()
        return response
    finally:
        problem_lang_var.reset(lang_token)
        request_id_var.reset(token)


async def _handle(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        # Query strings are text at the edge too: NFC before any handler reads them.
        request = nfc_request(request)
        if request.body_exists:
            return await within_deadline(request, handler)
        return await handler(request)
    except DomainError as exc:
        return domain_problem(exc)
    except BodyTooSlow:
        log.info("request body too slow", extra={"path": request.path})
        slow = problem(408, "The request body did not arrive in time.")
        slow.force_close()
        return slow
    except web.HTTPException as exc:
        if exc.status < 400:
            for name, value in SECURITY_HEADERS.items():
                exc.headers.setdefault(name, value)
            raise
        if exc.status == 413:
            large = problem(413, "The request body is larger than this service accepts.")
            large.force_close()  # do not read the rest of it
            return large
        elif exc.status == 405:
            detail = N_("%(method)s is not allowed on %(path)s.")
        elif exc.status == 404:
            detail = N_("Nothing is found at %(path)s.")
        else:
            detail = exc.text or exc.reason
        headers = {k: v for k, v in exc.headers.items() if k.lower() in {"allow", "retry-after"}}
        where = {"method": request.method, "path": request.path}
        values = where if exc.status in (404, 405) else None
        return problem(exc.status, detail, values=values, headers=headers)
    except asyncio.CancelledError:
        raise
    except (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError):
        # Text PostgreSQL cannot store (a NUL byte, say) came in a parameter or path.
        return problem(400, "The request contains characters that are not allowed in text.")
    except asyncpg.UniqueViolationError as exc:
        _refused(request, exc)
        return problem(409, "This already exists.")
    except (asyncpg.ForeignKeyViolationError, asyncpg.RestrictViolationError) as exc:
        _refused(request, exc)
        return problem(
            409, "This refers to something that does not exist, or is still referred to."
        )
    except (asyncpg.CheckViolationError, asyncpg.NotNullViolationError) as exc:
        _refused(request, exc)
        return problem(422, "A value breaks a rule of the data model.")
    except ConnectionResetError:
        if request.transport is not None:
            raise
        # The client closed the connection (mid-body, say): no one is there to answer,
        # and it says nothing about the database.
        log.info("client went away", extra={"path": request.path, "method": request.method})
        return problem(400, "The connection closed before the request was complete.")
    except DB_DOWN as exc:
        log.warning("database unavailable: %s", type(exc).__name__, extra={"path": request.path})
        return problem(
            503, "The database is unavailable. Try again shortly.", headers={"Retry-After": "5"}
        )
    except Exception as exc:
        if _caused_by_database_loss(exc):
            log.warning("database connection lost", extra={"path": request.path})
            return problem(
                503, "The database is unavailable. Try again shortly.", headers={"Retry-After": "5"}
            )
        log.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return problem(
            500, "Something went wrong on our side. Quote the request id if you report it."
        )


def _caused_by_database_loss(exc: BaseException) -> bool:
    # A connection killed mid-transaction surfaces as a confused client state while
    # rolling back; the lost connection is further down the chain.
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, DB_DOWN):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def read_json(request: web.Request) -> JSON:
    """The request body as JSON, or a 400 that says what is wrong with it."""
    if request.content_type not in {"application/json", "application/merge-patch+json"}:
        raise BadRequest("Send the body as application/json.")
    return parse_json(await request.read())


def parse_json(raw: bytes) -> JSON:
    """JSON text in NFC, or a 400 naming the fault (not UTF-8, malformed, nested too deeply)."""
    try:
        value = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BadRequest("The body is not valid UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise BadRequest(
            N_("Malformed JSON at line %(line)s, column %(column)s: %(reason)s."),
            values={"line": exc.lineno, "column": exc.colno, "reason": exc.msg},
        ) from exc
    except RecursionError:
        value = None  # nested past the parser's depth; refused just below
        depth = MAX_NESTING + 1
    else:
        depth = json_depth(value)
    if depth > MAX_NESTING:
        raise BadRequest(
            N_("The JSON nests deeper than %(levels)s levels."), values={"levels": MAX_NESTING}
        )
    if unpaired := lone_surrogates(value):
        message = "holds a lone UTF-16 surrogate escape (\\uD800-\\uDFFF), which is no character"
        raise ValidationFailed([FieldError(path, message) for path in unpaired[:20]])
    return nfc_json(value)


async def read_object(request: web.Request) -> dict[str, JSON]:
    """The request body as a JSON object."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


async def read_form(request: web.Request) -> dict[str, str]:
    """The request body as form fields, or a 400 that says what is wrong with it."""
    if request.content_type not in FORM_TYPES:
        raise BadRequest("Send the form as application/x-www-form-urlencoded.")
    try:
        fields = await form_fields(request)
    except (ValueError, AssertionError, UnicodeDecodeError) as exc:
        raise BadRequest("The form body cannot be read.") from exc
    return {k: v for k, v in fields.items() if isinstance(v, str)}
