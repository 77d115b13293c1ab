"""Console pages: templates that escape every value, a strict CSP, and the request's context."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from services.console.backend import Backend, Forbidden, field_labels, field_name
from services.console.keys import SETTINGS
from services.console.session import Session
from services.console.terms import TERMS
from services.console.zones import zone_of
from shared import i18n
from shared.http import origin_of
from shared.i18n import LANGUAGES, negotiate
from shared.payloads import Account, Network
from shared.settings import Settings
from shared.signing import Keys
from shared.templates import page_templates
from shared.web import html_page

HERE = Path(__file__).parent
# Where a form goes next when it names no place of its own.
HOME = "/contacts"
TEMPLATES = page_templates(HERE / "templates", TERMS)
SESSION_KEY = web.RequestKey("console.session", Session)
BACKEND_KEY = web.RequestKey("console.backend", Backend)
ME_KEY = web.RequestKey("console.me", Account)
# Every network, fetched once per request (admins hold every permission on each).
NETWORKS_KEY = web.RequestKey("console.networks", list[Network])


def sources(request: web.Request) -> dict[str, str]:
    """Our own scripts and styles only, plus the directory's widget for the live embed preview."""
    directory = origin_of(request.app[SETTINGS].public_directory_base)
    return {
        "script-src": f"'self' {directory}",
        "style-src": f"'self' {directory}",
        "connect-src": f"'self' {directory}",
        "frame-src": f"'self' {directory}",
        "img-src": "'self' data:",
    }


def bases(settings: Settings) -> dict[str, str]:
    """Where the console reaches each service."""
    return {
        "directory": settings.directory_base,
        "mailing": settings.mailing_base,
        "vcard": settings.vcard_base,
    }


def session_of(request: web.Request) -> Session:
    """The signed-in session (the middleware made sure there is one)."""
    return request[SESSION_KEY]


def backend(request: web.Request) -> Backend:
    """The other services as the signed-in coordinator."""
    return request[BACKEND_KEY]


def me(request: web.Request) -> Account:
    """The signed-in coordinator's account."""
    return request[ME_KEY]


def require_admin(request: web.Request) -> None:
    """The 403 page unless the signed-in coordinator is an admin."""
    if not me(request).get("is_admin"):
        raise Forbidden()


def my_networks(request: web.Request, permission: str | None = None) -> list[str]:
    """Slugs of the networks the coordinator holds `permission` on (any, when None)."""
    account = me(request)
    if account.get("is_admin"):
        return [n["slug"] for n in request[NETWORKS_KEY]]
    return [
        p["network"]
        for p in account.get("permissions") or []
        if permission is None or p.get(permission)
    ]


async def networks_of(request: web.Request) -> list[Network]:
    """Every network (for names and member filters), in the coordinator's language."""
    if NETWORKS_KEY not in request:
        lang = session_of(request).lang
        data = await backend(request).get("directory", f"/v1/networks?lang={lang}")
        request[NETWORKS_KEY] = data["items"]
    return request[NETWORKS_KEY]


async def network_zone(request: web.Request, slug: str) -> str:
    """The time zone network `slug` thinks in (its country's; UTC when it has none)."""
    networks = await networks_of(request)
    return zone_of(next((n.get("country") for n in networks if n["slug"] == slug), None))


def subtree(networks: list[Network], root: str) -> list[Network]:
    """`root` and every network below it, parents first."""
    found = [n for n in networks if n["slug"] == root]
    for network in networks:
        if network.get("parent") in {f["slug"] for f in found} and network not in found:
            found.append(network)
    return found


def editable(request: web.Request) -> list[str]:
    """Networks where the coordinator edits contacts (every network for an admin)."""
    return my_networks(request, "edit_contacts")


def editable_networks(request: web.Request, networks: list[Network]) -> list[Network]:
    """The networks the coordinator's contacts may belong to: theirs and all below them."""
    below = {n["slug"] for root in editable(request) for n in subtree(networks, root)}
    return [n for n in networks if n["slug"] in below]


def csrf_ok(request: web.Request, token: str) -> bool:
    """Whether a form's CSRF token is the signed-in session's."""
    return session_of(request).csrf_ok(Keys.of(request.app[SETTINGS]), token)


def page_language(request: web.Request) -> str:
    """The language of a page nobody is signed in to: `?lang=`, else the browser's."""
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        return asked
    return negotiate(request.headers.get("Accept-Language"))


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, object],
    *,
    status: int = 200,
    frame_ancestors: str = "'none'",
    lang: str | None = None,
) -> web.Response:
    """A console page in the coordinator's language: the session's; before signing in, the one
    chosen in the form (`lang`) or the link (`?lang=`), else the browser's (Accept-Language)."""
    session: Session | None = request.get(SESSION_KEY)
    lang = session.lang if session else lang or page_language(request)
    lang = lang if lang in LANGUAGES else "en"
    keys = Keys.of(request.app[SETTINGS])
    with i18n.speaking(lang):
        text = TEMPLATES.get_template(template).render(
            lang=lang,
            languages=LANGUAGES,
            csrf=session.csrf(keys) if session else "",
            session_token=session.token_id if session else None,  # which token is this sign-in
            account=request.get(ME_KEY),
            path=request.path,
            # An API field path in a report (`emails[0]`) in the person's words, and all labels.
            field_name=lambda field: field_name(field, lang),
            field_labels=field_labels(lang),
            **context,
        )
    return html_page(
        text, lang=lang, sources=sources(request), frame_ancestors=frame_ancestors, status=status
    )
