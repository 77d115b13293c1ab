"""No English left under another language: every console page, every public page (widget,
subscribe, confirm, preferences, reveal), every e-mail (confirmation, sign-in link, a
newsletter's footer) and problem details of every service, rendered in et, lv and lt, are
searched for the English sentences of the catalogs (tests/support/english.py: every msgid
whose translation differs, read from the catalogs, not listed here).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import quote, urlsplit

import aiohttp
import asyncpg
import pytest
from aiohttp import web

import services.console.routes
from services.mailing.links import preferences_url
from shared.payloads import JSON
from tests.conftest import MakeAccount
from tests.support.english import english, html_texts
from tests.support.observe import drained
from tests.support.sessions import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")


# A date or time a person reads, not written the language's way (CLDR, by Babel): an ISO 8601
# timestamp (but an example of what to type, with its [zone]), or English's "Mar 4, 2026".
UNWRITTEN_DATE = re.compile(
    r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?![\d:]*\[)"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}"
)


@dataclass
class Findings:
    """English found, by where: the test fails listing every one."""

    lang: str
    seen: list[str] = field(default_factory=list)
    found: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def texts(self, where: str, texts: list[str]) -> None:
        self.seen.append(where)
        for text in texts:
            hits = english(self.lang).found_in(text) + UNWRITTEN_DATE.findall(text)
            if hits:
                self.found.append((where, " ".join(text.split())[:200], hits))

    def page(self, where: str, status: int, body: str, content_type: str) -> None:
        assert status < 500, (where, status, body[:500])
        if "html" in content_type:
            self.texts(where, html_texts(body, self.lang))
        elif "json" in content_type:
            self.texts(where, list(_json_texts(json.loads(body))))
        else:
            self.texts(where, body.splitlines())

    def mail(self, where: str, message: EmailMessage) -> None:
        texts = [str(message.get("Subject", ""))]
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                texts.extend(part.get_content().splitlines())
            elif part.get_content_type() == "text/html":
                texts.extend(html_texts(part.get_content(), self.lang))
        self.texts(where, texts)


PROBLEM_MEMBERS = {"title", "detail", "message"}


def _json_texts(value: object, key: str = "") -> Iterator[str]:
    """A problem document's (or a form's, a widget's) texts a person reads."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_texts(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _json_texts(v, key)
    elif isinstance(value, str) and (key in PROBLEM_MEMBERS or key in LABEL_KEYS):
        yield value


# The keys of the texts the public JSON answers carry (the form's words, the widget's labels).
LABEL_KEYS = {"labels", "title", "text", "name_label", "email_label", "submit"}


async def fetch(
    http: aiohttp.ClientSession,
    findings: Findings,
    method: str,
    url: str,
    *,
    data: dict[str, str] | bytes | aiohttp.FormData | None = None,
    body: JSON = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Ask, check what came back, and return it."""
    async with http.request(method, url, data=data, json=body, headers=headers) as answer:
        body = await answer.text()
        where = f"{method} {urlsplit(url).path}"
        findings.page(where, answer.status, body, answer.headers.get("Content-Type", ""))
        return body


# Every GET page of the console, as the crawl below opens it (a new page is added here, or
# named in NOT_PAGES with why).
NOT_PAGES = {
    "/": "a redirect to /contacts",
    "/contacts/export.csv": "a spreadsheet of data, its header the API's field names",
    "/contacts/export.vcf": "vCards of data",
    "/lists/{slug}/export.csv": "a spreadsheet of data, its header the API's field names",
    "/campaigns/{id:\\d+}/progress.json": "numbers for the progress bar's script",
}


def console_get_routes() -> set[str]:
    found = set()
    for module in pkgutil.iter_modules(services.console.routes.__path__):
        routes = importlib.import_module(f"services.console.routes.{module.name}").routes
        found |= {r.path for r in routes if isinstance(r, web.RouteDef) and r.method == "GET"}
    return found


LIST = {
    "slug": "lt-naujienos",
    "network": "lt",
    "lang": "lt",
    "names": {"lt": "FOR-IN Lietuvos naujienlaiškis"},
    "from_name": "Vida Gintautaitė",
    "from_address": "naujienos@example.lt",
}


def plain(message: EmailMessage) -> str:
    """A mail's text part."""
    part = message.get_body(("plain",))
    assert part is not None
    text: str = part.get_content()
    return text


async def wait_for_mail(
    stack: Stack, to: str, count: int = 1, outbox: str = "mailing.outbox"
) -> list[EmailMessage]:
    """The mail `to` has, once it has `count` (an outbox or the campaign worker sends it)."""
    for _ in range(600):
        await drained(stack.settings.database_url or "", outbox)
        got = [m.parsed() for m in stack.sink.messages if to in m.rcpt_to]
        if len(got) >= count:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail to {to}")


@pytest.mark.parametrize("lang", ["et", "lv", "lt"])
async def test_no_english_is_left_on_any_page_mail_or_problem(
    stack: Stack,
    make_account: MakeAccount,
    admin_token: str,
    conn: asyncpg.Connection,
    lang: str,
) -> None:
    findings = Findings(lang)
    speak = {"Accept-Language": lang}
    admin = {"Authorization": f"Bearer {admin_token}"}
    reader = f"lugeja-{lang}@example.lt"
    m, d = stack.mailing, stack.directory
    async with aiohttp.ClientSession(headers=admin) as api:
        # The newsletter speaks the language too (its test sends are in its language).
        newsletter = LIST | {"lang": lang, "names": {lang: "FOR-IN naujienos"}}
        async with api.post(f"{m}/v1/lists", json=newsletter) as made:
            assert made.status == 201, await made.text()
        draft_body = {"subject": "Gruodis", "body": "Sveiki, {name}!"}
        async with api.post(f"{m}/v1/lists/lt-naujienos/campaigns", json=draft_body) as made:
            draft = (await made.json())["id"]
        async with api.get(f"{d}/v1/networks/lt/contacts?lang={lang}") as found:
            cards = (await found.json())["items"]
        contact = cards[0]["id"]
        async with api.get(f"{d}/v1/organisations") as found:
            organisation = (await found.json())["items"][0]["slug"]
        suppressed = "grazinta@example.lt"
        body = {"address": suppressed, "note": "Grąžintas laiškas"}
        async with api.post(f"{m}/v1/suppressions", json=body) as made:
            assert made.status in {200, 201}, await made.text()

    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        # The public pages: the subscribe form, its answer, the confirmation mail and page.
        own = {"Origin": m} | speak
        form = await fetch(http, findings, "GET", f"{m}/subscribe/lt-naujienos?lang={lang}")
        form_token = re.search(r'name="form_token" value="([^"]+)"', form)
        assert form_token is not None
        await fetch(
            http,
            findings,
            "POST",
            f"{m}/subscribe/lt-naujienos",
            data={"form_token": form_token[1], "email": reader, "name": "Vida", "lang": lang},
            headers=own,
        )
        await fetch(http, findings, "GET", f"{m}/v1/lists/lt-naujienos/form?lang={lang}")
        (confirmation,) = await wait_for_mail(stack, reader)
        findings.mail("confirmation mail", confirmation)
        link = re.search(r"https?://\S+/confirm/[^\s\"<>]+", plain(confirmation))
        assert link is not None
        await fetch(http, findings, "GET", link[0])
        confirm_path = urlsplit(link[0]).path
        await fetch(http, findings, "POST", f"{m}{confirm_path}", data={"lang": lang}, headers=own)
        await fetch(http, findings, "GET", link[0])  # used again
        # The preferences page a newsletter links to, the whole page mailed from it.
        ids = await conn.fetchrow(
            "SELECT s.list_id, s.subscriber_id FROM mailing.subscriptions s "
            "JOIN mailing.subscribers b ON b.id = s.subscriber_id WHERE b.email = $1",
            reader,
        )
        assert ids is not None
        entry = preferences_url(stack.settings, ids["list_id"], ids["subscriber_id"])
        await fetch(http, findings, "GET", f"{entry}?lang={lang}")
        await fetch(http, findings, "POST", f"{entry}/link", data={"lang": lang}, headers=own)
        mails = await wait_for_mail(stack, reader, 2)
        findings.mail("preferences link mail", mails[-1])
        manage = re.search(r"https?://\S+/manage/[^\s?\"<>]+", plain(mails[-1]))
        assert manage is not None
        await fetch(http, findings, "GET", f"{manage[0]}?lang={lang}")
        await fetch(http, findings, "POST", f"{manage[0]}/erase", data={"lang": lang}, headers=own)

        # A newsletter: its footer, and the unsubscribe page it links to.
        async with aiohttp.ClientSession(headers=admin) as api:
            body = {"subject": "Gruodis", "body": "Sveiki, {name}!"}
            async with api.post(f"{m}/v1/lists/lt-naujienos/campaigns", json=body) as made:
                sent = (await made.json())["id"]
            async with api.post(f"{m}/v1/campaigns/{sent}/send") as going:
                assert going.status == 202, await going.text()
        mails = await wait_for_mail(stack, reader, 3)
        findings.mail("newsletter", mails[-1])
        leave = re.search(r"https?://\S+/unsubscribe/[^\s?\"<>]+", plain(mails[-1]))
        assert leave is not None
        await fetch(http, findings, "GET", f"{leave[0]}?lang={lang}")

        # The widget, its iframe and fragment, the reveal question, a wrong answer.
        widget = json.loads(
            await fetch(http, findings, "GET", f"{d}/v1/widget/for-in?member=lt&lang={lang}")
        )
        await fetch(http, findings, "GET", f"{d}/embed/for-in?member=lt&lang={lang}")
        await fetch(http, findings, "GET", f"{d}/fragment/for-in?member=lt&lang={lang}")
        card = next(c for c in widget["cards"] if c["has_email"])
        question = await fetch(http, findings, "GET", card["reveal_url"])
        challenge = re.search(r'name="challenge" value="([^"]+)"', question)
        assert challenge is not None
        token = re.search(r'name="t" value="([^"]+)"', question)
        assert token is not None
        await fetch(
            http,
            findings,
            "POST",
            f"{d}/reveal/{card['id']}",
            data={"t": token[1], "challenge": challenge[1], "answer": "99", "lang": lang},
            headers={"Origin": d},
        )
        await fetch(http, findings, "GET", f"{d}/reveal/{card['id']}?t=garbage&lang={lang}")

        # The sign-in link mail, and the page its link opens.
        await fetch(
            http,
            findings,
            "POST",
            f"{stack.console}/signin/email",
            data={"email": "admin@example.org", "lang": lang},
            headers={"Sec-Fetch-Site": "same-origin"},
        )
        (signin,) = await wait_for_mail(stack, "admin@example.org", outbox="console.outbox")
        findings.mail("sign-in link mail", signin)

        # Problem details of every service, in the language asked.
        problems: list[tuple[str, str, JSON | bytes, str]] = [
            ("GET", f"{d}/v1/no-such-thing", None, ""),
            ("DELETE", f"{d}/v1/networks", None, ""),
            ("GET", f"{d}/v1/me", None, ""),
            ("POST", f"{d}/v1/reveal", {"token": "garbage"}, ""),
            ("POST", f"{d}/v1/contacts", b"{not json", "admin"),
            (
                "POST",
                f"{d}/v1/contacts",
                {"given_name": 5, "phones": ["x"], "emails": ["@"]},
                "admin",
            ),
            ("GET", f"{m}/v1/no-such-thing", None, ""),
            ("GET", f"{m}/v1/lists", None, ""),
            ("POST", f"{m}/v1/lists", {"slug": "!"}, "admin"),
            ("POST", f"{m}/v1/lists/lt-naujienos/subscribe", {"email": "not an address"}, ""),
            ("POST", f"{m}/v1/campaigns/{draft}/send", {"at": "tomorrow"}, "admin"),
            ("GET", f"{stack.vcard}/v1/contacts/999999.vcf", None, ""),
            ("GET", f"{stack.vcard}/v1/contacts/999999/qr.svg", None, ""),
            ("GET", f"{stack.vcard}/v1/networks/nowhere.vcf", None, ""),
            ("GET", f"{stack.vcard}/v1/no-such-thing", None, ""),
            # Each resource's refusals of a body that is wrong every way it can be.
            ("POST", f"{d}/v1/networks", {"slug": "ee", "parent": "nowhere", "x": 1}, "admin"),
            ("POST", f"{d}/v1/organisations", {"names": {"xx": ""}, "country": "XX"}, "admin"),
            ("PATCH", f"{d}/v1/contacts/{contact}", {"networks": ["nowhere"]}, "admin"),
            ("PUT", f"{d}/v1/networks/lt/order", {"ids": ["x"]}, "admin"),
            ("POST", f"{d}/v1/accounts", {"email": "@", "is_admin": "yes"}, "admin"),
            ("POST", f"{d}/v1/accounts/1/tokens", {"kind": "x", "expires_in_days": -1}, "admin"),
            ("GET", f"{d}/v1/networks/lt/contacts?after=garbage&limit=0", None, ""),
            ("GET", f"{d}/v1/contacts/999999", None, ""),
            ("GET", f"{d}/v1/organisations/nowhere", None, ""),
            ("PATCH", f"{m}/v1/lists/lt-naujienos", {"lang": "xx", "from_address": "@"}, "admin"),
            ("POST", f"{m}/v1/lists/lt-naujienos/campaigns", {"subject": "", "body": 5}, "admin"),
            ("PATCH", f"{m}/v1/campaigns/{draft}", {"body": "Sveiki, {foo}!"}, "admin"),
            ("POST", f"{m}/v1/campaigns/{draft}/pause", None, "admin"),
            ("POST", f"{m}/v1/campaigns/{draft}/test", {"addresses": ["@"]}, "admin"),
            ("POST", f"{m}/v1/suppressions", {"address": "not an address"}, "admin"),
            ("GET", f"{m}/v1/lists/lt-naujienos/members?status=xx", None, "admin"),
            ("GET", f"{m}/v1/lists/nowhere", None, "admin"),
        ]
        for method, url, asked, sent_as in problems:
            await fetch(
                http,
                findings,
                method,
                url,
                data=asked if isinstance(asked, bytes) else None,
                body=None if isinstance(asked, bytes) else asked,
                headers=speak | (admin if sent_as == "admin" else {}),
            )

    # Every page of the console, signed in as an admin speaking the language.
    member = ids["subscriber_id"]
    admin_id = await conn.fetchval(
        "SELECT id FROM directory.accounts WHERE email = 'admin@example.org'"
    )
    concrete = {
        "/accounts": "/accounts",
        "/signin": "/signin",
        "/signin/link": "/signin/link?code=x",
        "/contacts": "/contacts",
        "/contacts/new": "/contacts/new",
        "/contacts/{id:\\d+}": f"/contacts/{contact}",
        "/contacts/{id:\\d+}/delete": f"/contacts/{contact}/delete",
        "/contacts/import": "/contacts/import",
        "/embed": "/embed?network=for-in&member=lt&list=lt-naujienos",
        "/lists": "/lists",
        "/lists/{slug}": "/lists/lt-naujienos",
        "/lists/{slug}/members/{id:\\d+}": f"/lists/lt-naujienos/members/{member}",
        "/campaigns/{id:\\d+}": f"/campaigns/{draft}",
        "/campaigns/{id:\\d+}/preview": f"/campaigns/{draft}/preview",
        "/campaigns/{id:\\d+}/preview.txt": f"/campaigns/{draft}/preview.txt",
        "/organisations": "/organisations",
        "/organisations/{slug}": f"/organisations/{organisation}",
        "/suppressions": "/suppressions",
        "/suppressions/{address}": f"/suppressions/{quote(suppressed)}",
        "/tokens": "/tokens",
        "/accounts/{id:\\d+}/tokens": f"/accounts/{admin_id}/tokens?all=1",
    }
    assert console_get_routes() - set(NOT_PAGES) == set(concrete), "a console page to crawl"
    console = await signed_in(stack, admin_token, lang=lang)
    c = stack.console
    try:
        for path in [*concrete.values(), f"/campaigns/{sent}"]:
            await fetch(console, findings, "GET", f"{c}{path}")
        # Pages that answer a form: the send confirmation, refusals shown on their page.
        page = await fetch(console, findings, "GET", f"{c}/campaigns/{draft}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        past = {"action": "schedule", "date": "2020-01-01", "time": "09:00", "zone": "UTC"}
        test_me = {"action": "test_me"}
        for fields in ({"action": "send"}, past, {"action": "explode"}, test_me):
            url = f"{c}/campaigns/{draft}"
            await fetch(console, findings, "POST", url, data={"csrf": csrf[1]} | fields)
        # An import's report (a dry run): a file note, a card's charset note, a refused card.
        cards = (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Kiseliūnienė;Aistė;;;\r\n"
            "FN;CHARSET=x-klingon:Aistė Kiseliūnienė\r\nTEL:skambinkite\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:be.vardo@example.lt\r\nEND:VCARD\r\n"
        ).encode("cp1257")
        upload = aiohttp.FormData()
        upload.add_field("csrf", csrf[1])
        upload.add_field("network", "lt")
        upload.add_field("file", cards, filename="kortos.vcf", content_type="text/vcard")
        url = f"{c}/contacts/import?dry_run=true"
        report = await fetch(console, findings, "POST", url, data=upload)
        assert "x-klingon" in report
        bad_contact = {"csrf": csrf[1], "phone_number": "zvaniet", "emails": "@", "networks": "lt"}
        await fetch(console, findings, "POST", f"{c}/contacts/new", data=bad_contact)
    finally:
        await console.close()
    tested = await wait_for_mail(stack, "admin@example.org", 2)
    findings.mail("test send", tested[-1])
    # A coordinator's console: what an admin's pages are to them (their refusals).
    _, coordinator = await make_account(
        "vida@example.lt", permissions={"lt": ("edit_contacts", "manage_lists")}
    )
    console = await signed_in(stack, coordinator, lang=lang)
    try:
        for path in ("/accounts", "/suppressions", "/contacts", "/lists", "/embed"):
            await fetch(console, findings, "GET", f"{c}{path}")
    finally:
        await console.close()
    # Before signing in: the browser's language.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        await fetch(http, findings, "GET", f"{c}/signin", headers=speak)

    assert len(findings.seen) > 40
    assert findings.found == [], "\n".join(
        f"{where}: {text!r} holds {hits}" for where, text, hits in findings.found
    )
