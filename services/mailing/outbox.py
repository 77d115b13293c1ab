"""What the mailing service's outbox sends: confirmations, campaign test sends, preferences links.

The subscribe request, `POST /v1/campaigns/{id}/test` and a preferences page's "mail me a
link" only record a row in `mailing.outbox`; `shared.mail.outbox.Outbox` sends it with
`compose` below, which builds the message when it goes (a fresh single-use link every time).
"""

from __future__ import annotations

import secrets

import asyncpg

from services.mailing.compose import CampaignTemplate
from services.mailing.links import link_mail
from shared.i18n import pick, translator
from shared.mail.message import Capabilities, Draft, Outgoing, Template
from shared.mail.outbox import Compose, Maker, Outbox, Skip
from shared.payloads import JSON
from shared.queries import Queries
from shared.settings import Settings
from shared.signing import Keys

CONFIRM_TTL = 7 * 86_400


def confirm_url(settings: Settings, list_id: int, subscriber_id: int, name: str, lang: str) -> str:
    """A single-use confirmation link (a new nonce every time one is sent).

    It carries what the request asked for (name, language): that applies only when the
    person who reads the mail confirms (a stranger's request changes nothing).
    """
    claims: dict[str, JSON] = {"l": list_id, "s": subscriber_id, "n": secrets.token_hex(8)}
    claims["name"] = name
    claims["lang"] = lang
    token = Keys.of(settings).sign("confirm", claims, CONFIRM_TTL)
    return f"{settings.public_mailing_base}/confirm/{token}?lang={lang}"


def outbox(settings: Settings, pool: asyncpg.Pool, queries: Queries) -> Outbox:
    """The mailing service's outbox sender."""
    return Outbox(settings, pool, queries, composer(settings, pool, queries))


def composer(settings: Settings, pool: asyncpg.Pool, q: Queries) -> Compose:
    """Builds each outbox row's message from what the database says now."""

    async def compose(row: asyncpg.Record) -> Maker:
        async with pool.acquire() as conn:
            if row["kind"] == "preferences":
                # The link is made now, as the mail goes (it expires unused if it never does).
                made = await link_mail(
                    conn, q, settings, row["subscriber_id"], row["list_id"], row["lang"]
                )
                if made is None:
                    raise Skip("erased, suppressed or on no list any more")
                return made
            if row["kind"] == "test":
                campaign = await conn.fetchrow(q["get-campaign"], row["campaign_id"])
                if campaign is None:
                    raise Skip("the campaign is gone")
                # The subject says it is a test, in the newsletter's language.
                test = translator(campaign["list_lang"]).gettext("[TEST]")
                template = CampaignTemplate(settings, campaign, campaign["list_lang"], f"{test} ")
                return lambda caps: template.render_test(row["address"], row["name"], caps)
            found = await conn.fetchrow(
                q["outbox-confirmation"], row["list_id"], row["subscriber_id"]
            )
        if found is None or found["status"] != "pending" or found["suppressed"]:
            raise Skip("no longer waiting for confirmation")
        return _confirmation(settings, found, row["name"], row["lang"])

    return compose


def _confirmation(settings: Settings, found: asyncpg.Record, name: str, lang: str) -> Maker:
    tr = translator(lang)
    list_name = pick(found["names"], lang, found["list_lang"]) or found["slug"]
    link = confirm_url(settings, found["list_id"], found["subscriber_id"], name, lang)
    template = Template(
        Draft(
            from_name=found["from_name"],
            from_address=found["from_address"],
            subject=tr.gettext("Please confirm your subscription to %(list)s", list=list_name),
            text=tr.gettext(
                "Hello,\n\nsomeone (we hope you) asked to receive %(list)s at this address.\nTo "
                "confirm, open this link and press the button:\n\n%(link)s\n\nIf it was not "
                "you, ignore this message; nothing will be sent.\n",
                list=list_name,
                link=link,
            ),
            reply_to=found["reply_to"],
            headers=(("Auto-Submitted", "auto-generated"),),
        )
    )

    def make(caps: Capabilities) -> Outgoing:
        return template.render(found["email"], caps)

    return make
