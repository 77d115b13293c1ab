"""The console's sign-in mail: the request only records the wish; this sender mails the link.

`POST /signin/email` puts the typed address in `console.outbox` and answers, the same for
every address and without waiting for anything. `compose` (run by `shared.mail.outbox`)
asks the directory for a one-time link (with the service credential); an address without
an account, or one that had a link within the minute, gets nothing.
"""

from __future__ import annotations

import aiohttp
import asyncpg

from services.console.backend import Backend
from services.console.pages import bases
from shared.i18n import translator
from shared.mail.message import Draft, build
from shared.mail.outbox import Compose, Maker, Outbox, Skip
from shared.queries import Queries
from shared.settings import Settings

# A link is good for 15 minutes: a mail that cannot go within that is not worth sending.
GIVE_UP_SECONDS = 15 * 60


def outbox(
    settings: Settings, pool: asyncpg.Pool, queries: Queries, session: aiohttp.ClientSession
) -> Outbox:
    """The console's outbox sender."""
    return Outbox(settings, pool, queries, composer(settings, session))


def composer(settings: Settings, session: aiohttp.ClientSession) -> Compose:
    """Asks the directory for a link for the row's address, and writes the mail around it."""
    directory = Backend(session, bases(settings), settings.service_token or "")

    async def compose(row: asyncpg.Record) -> Maker:
        made = await directory.call(
            "directory", "POST", "/v1/signin-links", strict=False, json={"email": row["address"]}
        )
        if made.status != 201:
            raise Skip("no account with this address, or a link went out within the minute")
        found = made.data
        tr = translator(row["lang"])
        link = f"{settings.public_console_base}/signin/link?code={found['code']}&lang={row['lang']}"
        draft = Draft(
            from_name=tr.gettext("Kontakt console"),
            from_address=settings.console_mail_from,
            subject=tr.gettext("Your sign-in link to the Kontakt console"),
            text=tr.gettext(
                "Hello %(name)s,\n\nopen this link to sign in to the Kontakt "
                "console:\n\n%(link)s\n\nIt works once, within 15 minutes. If you did not ask "
                "for it, ignore this message.",
                name=found["name"] or found["email"],
                link=link,
            ),
        )
        return lambda caps: build(draft, found["email"], caps)

    return compose
