"""One intake for every message that comes back, whichever way it arrives (LMTP, IMAP, HTTP).

A report acts on a person only when it refers to a message Kontakt sent to them: the VERP
address it came to, or a Kontakt Message-ID it encloses, must name a campaign and recipient
that the delivery ledger holds. A complaint without either may still be matched by the
enclosed List-Id and recipient; it then ends that one subscription as an unsubscribe (the
person may subscribe again) and suppresses nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

import asyncpg
from aiohttp import web

from services.mailing.keys import POOL, QUERIES, SETTINGS
from services.mailing.returns import verp
from services.mailing.returns.classify import Recipient, Report, classify
from services.mailing.returns.suppression import suppress
from shared import metrics
from shared.conn import Conn
from shared.queries import Queries
from shared.settings import Settings

log = logging.getLogger("kontakt.mailing.returns")

Via = Literal["lmtp", "imap", "http"]
LIST_ID = re.compile(r"<([a-z0-9]+(?:-[a-z0-9]+)*)\.[^<>\s]+>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the intake did with one message: `action` and, when ignored, why."""

    action: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class _Match:
    subscriber_id: int
    list_id: int
    email: str
    campaign_id: int | None
    matched_by: str

    @property
    def proven(self) -> bool:
        """The ledger shows Kontakt sent this message to this address."""
        return self.campaign_id is not None


class Intake:
    """Reads one returned message and records and does what it says."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, queries: Queries) -> None:
        self.settings = settings
        self.pool = pool
        self.q = queries

    @classmethod
    def of(cls, app: web.Application) -> Intake:
        """The app's intake (its PostgreSQL pool, queries and settings)."""
        return cls(app[SETTINGS], app[POOL], app[QUERIES])

    async def take(self, recipient: str, raw: bytes, via: Via) -> Outcome:
        """Handle `raw`, delivered to `recipient` (the envelope address, or "" if unknown)."""
        report = classify(raw)
        addressed = verp.read_address(self.settings, recipient) if recipient else None
        async with self.pool.acquire() as conn, conn.transaction():
            if addressed is not None and addressed[0] == "unsubscribe":
                return await self._mailto_unsubscribe(conn, addressed[1:], report, via)
            if report.type in {"auto-reply", "unknown"}:
                return Outcome("ignored", report.type)
            match = await self._match(conn, report, raw, addressed)
            if match is None:
                return Outcome("ignored", "not about a message Kontakt sent")
            if report.type == "bounce":
                return await self._bounce(conn, report, match, via)
            return await self._feedback(conn, report, match, via)

    async def _match(
        self,
        conn: Conn,
        report: Report,
        raw: bytes,
        addressed: tuple[verp.Purpose, int, int] | None,
    ) -> _Match | None:
        candidates: list[tuple[tuple[int, int], str]] = []
        if addressed is not None:
            candidates.append((addressed[1:], "verp"))
        text = report.original.get("message-id", "") + "\n" + raw.decode("utf-8", "replace")
        candidates += [(pair, "message-id") for pair in verp.read_message_ids(self.settings, text)]
        for (campaign_id, subscriber_id), how in candidates:
            row = await conn.fetchrow(self.q["ledger-entry"], campaign_id, subscriber_id)
            if row is not None:
                return _Match(subscriber_id, row["list_id"], row["email"], campaign_id, how)
        if report.type not in {"complaint", "feedback"}:
            return None
        slug = LIST_ID.search(report.original.get("list-id", ""))
        addresses = [r.address for r in report.recipients] + [
            a.strip().strip("<>") for a in report.original.get("to", "").split(",")
        ]
        for address in addresses:
            if slug and "@" in address:
                row = await conn.fetchrow(
                    self.q["member-by-list-and-address"], slug.group(1).lower(), address
                )
                if row is not None:
                    return _Match(
                        row["subscriber_id"], row["list_id"], row["email"], None, "list-id"
                    )
        return None

    async def _bounce(self, conn: Conn, report: Report, match: _Match, via: Via) -> Outcome:
        found = _recipient_for(report, match.email)
        if found is None:
            return Outcome("ignored", "the report names other recipients")
        if found.kind == "delivered":
            return Outcome("ignored", "a delivery notice")
        q, outcome, kind = self.q, "recorded", found.kind
        if kind == "hard" and match.matched_by != "verp":
            # MTAs return reports to the envelope sender, the VERP address. A Message-ID alone
            # travels further (replies quote it in References, archives publish it), so it
            # proves too little to suppress an address everywhere: it counts as a soft one.
            kind = "soft"
        if kind in {"hard", "soft", "policy"}:
            await conn.execute(q["delivery-bounced"], match.campaign_id, match.subscriber_id)
        if kind == "hard":
            evidence = _evidence(report, found, match, via)
            await suppress(conn, q, match.email, "hard-bounce", evidence, by=f"intake:{via}")
            await conn.execute(q["stop-subscriptions"], match.subscriber_id)
            outcome = "suppressed"
        elif kind == "soft":
            # Messages, not reports, are counted (relays repeat reports); this message counts
            # too: it is recorded below, in the same transaction.
            recent = await conn.fetchval(
                q["soft-bounces-within"],
                match.subscriber_id,
                self.settings.soft_bounce_days,
                match.campaign_id,
            )
            if recent + 1 >= self.settings.soft_bounce_limit:
                await conn.execute(q["stop-subscriptions"], match.subscriber_id)
                outcome = "stopped"
            else:
                outcome = "counted"
        await self._record(conn, report, found, match, via, kind, outcome)
        return Outcome(outcome)

    async def _feedback(self, conn: Conn, report: Report, match: _Match, via: Via) -> Outcome:
        found = _recipient_for(report, match.email) or Recipient(match.email, "delivered")
        outcome = "recorded"
        if report.type == "complaint":
            # RFC 5965 "abuse": the person called it unwanted. Other feedback types (fraud,
            # virus, not-spam, auth-failure, other) are about the mail, not their wish.
            if match.proven:
                await conn.execute(self.q["complained"], match.list_id, match.subscriber_id)
                evidence = _evidence(report, found, match, via)
                await suppress(conn, self.q, match.email, "complaint", evidence, by=f"intake:{via}")
                outcome = "suppressed"
            else:
                # A List-Id and an address are public, so anyone may have written this: it
                # ends the one subscription as an unsubscribe the person undoes by subscribing
                # again, never as a complaint, which nobody could undo.
                await conn.execute(self.q["unsubscribe"], match.list_id, match.subscriber_id)
                outcome = "unsubscribed"
        kind = "complaint" if report.type == "complaint" else "feedback"
        await self._record(conn, report, found, match, via, kind, outcome)
        return Outcome(outcome)

    async def _mailto_unsubscribe(
        self, conn: Conn, pair: tuple[int, int], report: Report, via: Via
    ) -> Outcome:
        """RFC 2369 mailto unsubscribe: any mail to the address, except machines' replies."""
        if report.type in {"bounce", "auto-reply"}:
            return Outcome("ignored", report.type)
        row = await conn.fetchrow(self.q["ledger-entry"], *pair)
        if row is None:
            return Outcome("ignored", "not about a message Kontakt sent")
        match = _Match(pair[1], row["list_id"], row["email"], pair[0], "verp")
        await conn.execute(self.q["unsubscribe"], match.list_id, match.subscriber_id)
        found = Recipient(match.email, "delivered")
        await self._record(conn, report, found, match, via, "unsubscribe", "unsubscribed")
        return Outcome("unsubscribed")

    async def _record(
        self,
        conn: Conn,
        report: Report,
        found: Recipient,
        match: _Match,
        via: Via,
        kind: str,
        outcome: str,
    ) -> None:
        await conn.execute(
            self.q["record-return"],
            match.subscriber_id,
            match.list_id,
            match.campaign_id,
            kind,
            found.status,
            found.diagnostic,
            report.reporting_mta[:255],
            found.remote_mta[:255],
            report.feedback_type[:64],
            report.format or ("mailto" if kind == "unsubscribe" else ""),
            match.matched_by,
            via,
            outcome,
        )
        metrics.RETURNS.labels(kind, outcome).inc()
        log.info(
            "returned mail: %s %s (%s) via %s: %s",
            kind,
            found.status or report.feedback_type,
            match.matched_by,
            via,
            outcome,
        )


def _recipient_for(report: Report, address: str) -> Recipient | None:
    """The report's block about `address`; a lone block counts (forwarded mail changes it)."""
    wanted = address.lower()
    for found in report.recipients:
        if wanted in {found.address.lower(), found.original_recipient.lower()}:
            return found
    return report.recipients[0] if len(report.recipients) == 1 else None


def _evidence(
    report: Report, found: Recipient, match: _Match, via: Via
) -> dict[str, str | int | None]:
    return {
        "status": found.status,
        "diagnostic": found.diagnostic,
        "reporting_mta": report.reporting_mta,
        "remote_mta": found.remote_mta,
        "feedback_type": report.feedback_type,
        "format": report.format,
        "campaign": match.campaign_id,
        "matched_by": match.matched_by,
        "intake": via,
    }
