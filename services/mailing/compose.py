"""Campaign messages: the draft a campaign makes for the builder, and what each recipient adds."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import css_inline
import dkim
import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from services.mailing.links import preferences_url
from services.mailing.plaintext import markdown_text
from services.mailing.returns import verp
from shared.i18n import pick, translator
from shared.mail.message import (
    WRITTEN_PLACEHOLDER,
    Capabilities,
    Draft,
    Outgoing,
    Template,
    ascii_domain,
    literal,
    stray_braces,
    written,
)
from shared.settings import Settings
from shared.signing import Keys
from shared.templates import page_templates
from shared.validate import Fields

# Raw HTML in Markdown is shown as text and unsafe link schemes are refused: sanitised.
MARKDOWN = MarkdownIt("commonmark", {"html": False})
# Our own template only: no stylesheet is fetched from anywhere; @media rules stay.
INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
DEFAULT_COLOUR = "#0b4f8a"
INK_DARK = "#1b1f24"


@functools.cache
def _templates() -> jinja2.Environment:
    return page_templates(Path(__file__).parent / "templates")


def _luminance(colour: str) -> float:
    """Relative luminance of `#rrggbb` (WCAG 2.1, 1.4.3)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def colours(colour: str | None) -> dict[str, str]:
    """The band's colour, its text's (white or ink, whichever reads) and the links' colour.

    Links sit on white, so a light list colour gives its place to the default for them
    (WCAG AA: 4.5:1 for text).
    """
    colour = colour or DEFAULT_COLOUR
    light = _luminance(colour)
    ink = "#ffffff" if _contrast(light, 1.0) >= _contrast(light, _luminance(INK_DARK)) else INK_DARK
    link = colour if _contrast(light, 1.0) >= 4.5 else DEFAULT_COLOUR
    return {"colour": colour, "ink": ink, "link": link}


UNSUBSCRIBE_TTL = 10 * 365 * 86_400


def unsubscribe_url(settings: Settings, list_id: int, subscriber_id: int) -> str:
    """The one-click unsubscribe URL that every campaign message carries."""
    claims = {"l": list_id, "s": subscriber_id}
    token = Keys.of(settings).sign("unsubscribe", claims, UNSUBSCRIBE_TTL)
    return f"{settings.public_mailing_base}/unsubscribe/{token}"


SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
]


@functools.lru_cache(maxsize=8)
def _key_bytes(path: str, _inode: int, _mtime_ns: int, _size: int) -> bytes:
    return Path(path).read_bytes()


def _dkim_key(path: str) -> bytes:
    """The key file's bytes, read again once it changed (a rotated key needs no restart).

    Kept by the file's identity, modification time and size: one stat a message, no read.
    """
    found = os.stat(path)
    return _key_bytes(path, found.st_ino, found.st_mtime_ns, found.st_size)


def sign_bytes(settings: Settings, data: bytes, domain: str) -> bytes:
    """A DKIM-Signature header for `data`, prepended."""
    assert settings.dkim_key_file
    signature: bytes = dkim.sign(
        data,
        settings.dkim_selector.encode(),
        domain.encode(),
        _dkim_key(settings.dkim_key_file),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=SIGNED_HEADERS,
    )
    return signature + data


# A mail has no page of its own: a link or image it holds must name its scheme to lead anywhere.
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def check_links(f: Fields, body: str | None) -> None:
    """Every link and image in the body is absolute (http, https, mailto, tel); a relative one
    (`[site](www.example.ee)`, `(/about)`, `(#top)`) is refused when the campaign is saved,
    where a reader's mail program would open nothing (CommonMark: link destinations)."""
    relative: list[str] = []
    for block in MARKDOWN.parse(body or ""):
        for token in block.children or []:
            target = token.attrs.get("href" if token.type == "link_open" else "src")
            if token.type not in ("link_open", "image") or not isinstance(target, str):
                continue
            if urlsplit(target).scheme.lower() not in LINK_SCHEMES and target not in relative:
                relative.append(target)
    if relative:
        f.fail(
            "body",
            "links must be whole addresses (https://…, mailto:…): %(links)s would lead "
            "nowhere from a mail",
            links=", ".join(t or "()" for t in relative[:5]),
        )


PYTHON_STYLE = re.compile(r"%\([^()\s]{1,40}\)[sdif]")


def check_placeholders(f: Fields, subject: str | None, body: str | None) -> None:
    """Braces hold `{name}` and nothing else (`stray_braces`, the rule the renderer keeps):
    anything else is refused when the campaign is saved, not sent literally. The body is
    read as written and as the reader sees it (`&#123;x&#125;` or `\\{x\\}` shows braces)."""
    for name, text in (("subject", subject), ("body", body)):
        shown = [text or ""]
        if name == "body" and text:
            shown.append(markdown_text(MARKDOWN, text, ""))
        found: list[str] = []
        for part in shown:
            found += [piece for piece in stray_braces(part) if piece not in found]
        # A Python-style `%(name)s` (as a translation shows them) would go out literally too.
        found += [p for p in dict.fromkeys(PYTHON_STYLE.findall(text or "")) if p not in found]
        if found:
            f.fail(
                name,
                "must not contain %(found)s: %(only)s is the only placeholder, and braces "
                "have no other use",
                found=", ".join(found),
                only=WRITTEN_PLACEHOLDER,
            )


def newsletter_html(campaign: asyncpg.Record, lang: str, list_name: str, subject: str) -> str:
    """The campaign's HTML part: our table layout in the list's colours, CSS inlined.

    Placeholders (`{name}`, `{unsubscribe_url}`, `{preferences_url}`) stay for the builder.
    """
    tr = translator(lang)
    brand = colours(campaign["list_colour"])
    page = (
        _templates()
        .get_template("newsletter.html")
        .render(
            lang=lang,
            subject=subject,
            list_name=list_name,
            logo=campaign["list_logo_url"],
            # markdown-it with html off escapes raw HTML and refuses unsafe link schemes.
            # Only `{name}` is filled in what the coordinator wrote (`written`).
            body=Markup(written(MARKDOWN.render(campaign["body"]))),  # noqa: S704
            why=tr.gettext("You receive this because you subscribed to %(list)s.", list=list_name),
            unsubscribe=tr.gettext("Unsubscribe"),
            manage=tr.gettext("Manage your subscriptions"),
            **brand,
        )
    )
    return str(INLINER.inline(page))


def campaign_draft(
    settings: Settings, campaign: asyncpg.Record, lang: str, subject_prefix: str = ""
) -> Draft:
    """The campaign as the builder's draft, in `lang`, with the footer and list headers."""
    list_name = pick(campaign["list_names"], lang, campaign["list_lang"]) or campaign["list_slug"]
    domain = ascii_domain(campaign["from_address"].rpartition("@")[2])
    tr = translator(lang)
    # Braces in a list's name are text, not placeholders: shown exactly as typed.
    safe_name = literal(list_name)
    footer = tr.gettext(
        "You receive this because you subscribed to %(list)s. To unsubscribe, open: %(link)s",
        list=safe_name,
        link="{unsubscribe_url}",
    )
    manage = tr.gettext("Manage your subscriptions: %(link)s", link="{preferences_url}")
    subject = literal(subject_prefix) + written(campaign["subject"])
    body_text = written(markdown_text(MARKDOWN, campaign["body"], tr.gettext("Links")))
    return Draft(
        from_name=campaign["from_name"],
        from_address=campaign["from_address"],
        subject=subject,
        text=f"{body_text}\n\n-- \n{footer}\n{manage}\n",
        html=newsletter_html(campaign, lang, safe_name, subject),
        reply_to=campaign["reply_to"],
        headers=(
            ("List-Id", f"{safe_name} <{campaign['list_slug']}.{domain}>"),
            ("List-Unsubscribe", "<{unsubscribe_url}>, <mailto:{unsubscribe_mailto}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Auto-Submitted", "auto-generated"),
            ("Precedence", "bulk"),
        ),
    )


class CampaignTemplate:
    """A campaign built once per language; each recipient's message is a fill away."""

    def __init__(
        self, settings: Settings, campaign: asyncpg.Record, lang: str, subject_prefix: str = ""
    ) -> None:
        self.settings = settings
        self.campaign = campaign
        # The reader's language rides on their links: a page that cannot find them (an
        # ended or erased link) still answers in it.
        self.lang_query = f"?lang={lang}"
        self.domain = ascii_domain(campaign["from_address"].rpartition("@")[2])
        self.greeting = translator(lang).gettext("Hello")
        sign = (
            (lambda data, domain: sign_bytes(settings, data, domain))
            if settings.dkim_key_file
            else None
        )
        self.template = Template(campaign_draft(settings, campaign, lang, subject_prefix), sign)

    def render_test(self, address: str, name: str, caps: Capabilities) -> Outgoing:
        """A test send's message to `address` for a reader named `name`: the preview is this too.

        Recipient id 0 in its links; the same reader for the preview and the test send, so the
        mail received is the one the console showed.
        """
        return self.render(0, address, name, caps)

    def render(
        self, recipient: int, address: str, name: str | None, caps: Capabilities
    ) -> Outgoing:
        """Subscriber `recipient`'s message to `address` for a server with `caps`
        (`Undeliverable` if it cannot be); `name` fills `{name}`, else a greeting."""
        settings = self.settings
        ids = (self.campaign["id"], recipient)
        values = {
            "name": name or self.greeting,
            "unsubscribe_url": unsubscribe_url(settings, self.campaign["list_id"], recipient)
            + self.lang_query,
            "preferences_url": preferences_url(settings, self.campaign["list_id"], recipient)
            + self.lang_query,
            "unsubscribe_mailto": verp.address(settings, "unsubscribe", *ids, self.domain),
        }
        return self.template.render(
            address,
            caps,
            values,
            envelope_from=verp.address(settings, "bounce", *ids, self.domain),
            message_id=verp.message_id(settings, *ids, self.domain),
        )
