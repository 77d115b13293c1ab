"""The one import engine: rows from any reader checked, then applied a chunk at a time.

Each row is checked on its own (networks the importer edits, the contact's fields, numbers
read in the network's country); a row that fails is reported with its reasons and takes
nothing else down. Good rows are applied in chunks of `CHUNK`, each chunk one transaction:
one statement per table for the whole chunk, under a savepoint; should the database refuse
it, the chunk is applied again one card at a time, each under its own savepoint, so only
the card at fault is rejected. A dry run does all of it in a transaction that is rolled back.
While one chunk is written (a task of its own, so PostgreSQL works while this process goes
on), the next is checked in a worker process (`checking`) and the one after it is read.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.directory.importing.apply import NAME_FIELDS, Chunk, Prepared, apply_chunk
from services.directory.importing.checking import Checked, start_checking
from services.directory.importing.others import apply_other
from services.directory.importing.rows import UNSAID, Outcome, Report, Row
from services.directory.validation import ContactIn
from shared.conn import Conn
from shared.errors import DomainError, FieldError, ValidationFailed
from shared.i18n import N_
from shared.queries import Queries

CHUNK = 500
# What the database may refuse in a chunk that one card at a time pins down.
REFUSED = (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError, DomainError)
# A fault of ours that one card brings out: that card is rejected (and logged), not the file.
FAULTS = (LookupError, ValueError, TypeError, AttributeError)
log = logging.getLogger(__name__)
_DROP_KEYS = ("uid", "organisation_name", "categories")


@dataclass(frozen=True, slots=True)
class Options:
    """How to import: the network cards go into, the cards' language, a dry run or not.

    `lang` is the language of what the file does not say the language of (a TITLE without
    LANGUAGE, a "Job Title" column, a new organisation's name); None: each row's network's
    default language (an export of a Lithuanian network says `lt` again on its way back).
    """

    network: str | None = None
    lang: str | None = None
    dry_run: bool = False
    check_deliverability: bool = False


@dataclass(frozen=True, slots=True)
class Importer:
    """Who imports: whether they are an admin, and which networks' contacts they edit."""

    is_admin: bool
    may_edit: Callable[[Iterable[int]], bool]


@dataclass
class Ready:
    """A row whose networks are settled, its fields to be checked (`checking`)."""

    row: Row
    data: dict[str, Any]
    region: str | None
    uid: str | None
    lang: str

    def prepared(self, contact: ContactIn) -> Prepared:
        """The row with its checked contact, for the database."""
        return Prepared(
            self.row,
            contact,
            uid=self.uid,
            organisation_name=self.row.data.get("organisation_name"),
            given={k for k in self.row.data if k != "revision"},  # as the row has them
            lang=self.lang,
        )


@dataclass
class Inflight:
    """A chunk on its way: rows whose fields are being checked."""

    ready: list[Ready]
    checks: asyncio.Future[list[Checked]]


@dataclass
class Networks:
    """Every network's id and country, and which the importer edits (read once per import)."""

    ids: dict[str, int]
    countries: dict[str, str]
    editable: set[str]
    languages: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, str | None] = field(default_factory=dict)


class Engine:
    """Rows in (any order, any reader), a report out."""

    def __init__(
        self, conn: Conn, q: Queries, options: Options, importer: Importer, workers: int = 0
    ) -> None:
        self.conn = conn
        self.q = q
        self.options = options
        self.importer = importer
        self.report = Report(dry_run=options.dry_run)
        self.pending: list[Row] = []
        self.deferred: list[Prepared] = []
        self.inflight: deque[Inflight] = deque()
        self.workers = workers
        self.networks: Networks | None = None
        self.chunk = Chunk(conn, q)
        self.outer: asyncpg.transaction.Transaction | None = None
        # The chunk being written; the connection is its until it is done (`lock`).
        self.writing: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()

    async def start(self) -> None:
        """Read the networks; a dry run opens the transaction it will roll back."""
        if self.options.dry_run:
            self.outer = self.conn.transaction()
            await self.outer.start()
        await self._load_networks()
        assert self.networks is not None
        if self.options.network is not None and self.options.network not in self.networks.editable:
            raise ValueError(f"network {self.options.network!r} is not one the importer edits")

    async def _load_networks(self) -> None:
        rows = await self.conn.fetch(self.q["import-networks"])
        ids = {r["slug"]: r["id"] for r in rows}
        countries = {
            r["slug"]: r["country"]
            for r in await self.conn.fetch(self.q["network-countries"], list(ids))
        }
        editable = {s for s, i in ids.items() if self.importer.may_edit([i])}
        languages = {r["slug"]: r["default_lang"] for r in rows}
        self.networks = Networks(ids, countries, editable, languages)

    async def add(self, rows: list[Row]) -> None:
        """Take rows as a reader gives them; each full chunk goes to be checked, then applied."""
        self.pending.extend(rows)
        while len(self.pending) >= CHUNK:
            await self._submit(self.pending[:CHUNK])

    async def finish(self, notes: list[FieldError]) -> Report:
        """Apply what is left; the report, with the reader's file-level notes."""
        if self.pending:
            await self._submit(self.pending[:])
        await self._written()
        while self.inflight or self.deferred:
            await self._apply_next()
        if self.outer is not None:
            await self.outer.rollback()
            self.outer = None
        self.report.notes.extend(notes)
        self.report.outcomes.sort(key=lambda o: o.row.number)
        return self.report

    async def abort(self) -> None:
        """Give up (the client went away): a dry run's transaction is rolled back."""
        for chunk in self.inflight:
            chunk.checks.cancel()
        if self.writing is not None:
            # The chunk under way is finished (its own transaction), never cut in the middle.
            await asyncio.gather(self.writing, return_exceptions=True)
            self.writing = None
        if self.outer is not None:
            await self.outer.rollback()
            self.outer = None

    async def _submit(self, rows: list[Row]) -> None:
        """Rows read: their networks here, their fields in a worker, then written in a task.

        At most one chunk is being checked and one written while the next is read.
        """
        del self.pending[: len(rows)]
        ready: list[Ready] = []
        for row in rows:
            found = await self._prepare(row)
            if isinstance(found, Outcome):
                self.report.outcomes.append(found)
            else:
                ready.append(found)
        items = [(r.data, r.region) for r in ready]
        checks = start_checking(items, self.options.check_deliverability, self.workers)
        self.inflight.append(Inflight(ready, checks))
        if len(self.inflight) > 1:
            await self._written()
            self.writing = asyncio.create_task(self._apply_next())

    async def _written(self) -> None:
        """Wait for the chunk being written (its error, if any, is raised here)."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            await writing

    async def _apply_next(self) -> None:
        """The oldest chunk's checked rows (and those the chunk before deferred), written."""
        prepared, self.deferred = self.deferred, []
        if self.inflight:
            chunk = self.inflight.popleft()
            for ready, checked in zip(chunk.ready, await chunk.checks, strict=True):
                if isinstance(checked, list):
                    self.report.outcomes.append(Outcome(ready.row, "rejected", errors=checked))
                else:
                    prepared.append(ready.prepared(checked))
        if not prepared:
            return
        async with self.lock, self.conn.transaction():
            # Rows that meet an earlier row of the same chunk (the same UID or address) wait
            # for the next chunk, so they find what the earlier one wrote.
            try:
                async with self.conn.transaction():
                    outcomes, later = await self._apply(prepared)
            except (*REFUSED, *FAULTS):
                self.chunk.forget_created()
                outcomes, later = [], []
                for one in prepared:
                    outcomes.extend(await self._one_by_one(one))
            self.report.outcomes.extend(outcomes)
        self.deferred = later

    async def _apply(self, prepared: list[Prepared]) -> tuple[list[Outcome], list[Prepared]]:
        assert self.networks is not None
        return await apply_chunk(
            self.chunk,
            prepared,
            self.networks.ids,
            self.options.dry_run,
            self.importer.may_edit,
        )

    async def _one_by_one(self, one: Prepared) -> list[Outcome]:
        try:
            async with self.conn.transaction():
                outcomes, later = await self._apply([one])
        except (*REFUSED, *FAULTS) as exc:
            self.chunk.forget_created()
            if isinstance(exc, FAULTS):
                log.exception("import row %s failed", one.row.number)
            return [Outcome(one.row, "rejected", errors=_reasons(exc))]
        assert not later  # one row meets no earlier row
        return outcomes

    async def _prepare(self, row: Row) -> Ready | Outcome:
        """The row's networks (the importer's own) and UID; or why it cannot be imported."""
        if row.errors:
            return Outcome(row, "rejected", errors=row.errors)
        if row.skipped:
            return Outcome(row, "skipped", notes=[FieldError("", row.skipped)])
        if row.kind != "contact":
            async with self.lock:
                outcome = await apply_other(self.conn, self.q, row, self.importer.is_admin)
                if row.kind == "network" and outcome.status in {"created", "updated"}:
                    await self._load_networks()
            return outcome
        assert self.networks is not None
        data = dict(row.data)
        try:
            slugs = await self._networks(row, data)
        except ValidationFailed as exc:
            return Outcome(row, "rejected", errors=exc.errors)
        countries, languages = self.networks.countries, self.networks.languages
        region = next((countries[s] for s in slugs if s in countries), None)
        lang = self.options.lang or next((languages[s] for s in slugs if s in languages), "en")
        titles = row.data.get("titles")
        if isinstance(titles, dict) and UNSAID in titles:
            # A title in no language said is the import's, unless the file gave that one too.
            unsaid = titles.pop(UNSAID)
            titles.setdefault(lang, unsaid)
            data["titles"] = titles
        uid = row.data.get("uid")
        if uid is not None:
            try:
                uid = str(uuid.UUID(str(uid)))
            except ValueError:
                return Outcome(row, "rejected", errors=[FieldError("uid", "is not a UUID")])
        for key in _DROP_KEYS:
            data.pop(key, None)
        if not row.partial and not NAME_FIELDS & row.data.keys():
            # A row changing a stored contact need not repeat its name; a new one needs one
            # (`apply_chunk`). Checked meanwhile under a name that is never stored.
            data["display_name"] = "-"
        return Ready(row, data, region, uid, lang)

    async def _networks(self, row: Row, data: dict[str, object]) -> list[str]:
        """The row's networks, each one the importer edits; written into `data` with roles."""
        assert self.networks is not None
        target = self.options.network
        if row.partial:
            slugs = [target] if target else []
            unmatched = False
            for category in row.data.get("categories") or []:
                slug = await self._network_named(str(category))
                if slug is not None and slug not in slugs:
                    slugs.append(slug)
                elif slug is None:
                    unmatched = True
            if unmatched:
                row.dropped.append("other_categories")
            data["networks"] = [{"network": s, "role": "member"} for s in slugs]
        elif not data.get("networks") and target:
            data["networks"] = [{"network": target, "role": "member"}]
        items = data.get("networks")
        slugs = []
        errors = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            slug = item.get("network") if isinstance(item, dict) else item
            if not isinstance(slug, str):
                continue  # contact_in names what is wrong with it
            if slug not in self.networks.editable:
                # An unknown network and one the importer may not edit read the same.
                message = (
                    N_("no network %(slug)r")
                    if self.importer.is_admin
                    else N_("%(slug)r is not a network whose contacts you edit")
                )
                errors.append(FieldError(f"networks[{index}].network", message, {"slug": slug}))
            slugs.append(slug)
        if errors:
            raise ValidationFailed(errors)
        if not slugs:
            raise ValidationFailed(
                [FieldError("networks", "the card names no network: choose one for the import")]
            )
        return slugs

    async def _network_named(self, name: str) -> str | None:
        """The editable network a CATEGORIES value names (by slug or name in any language)."""
        assert self.networks is not None
        if name not in self.networks.by_name:
            async with self.lock:
                slug = await self.conn.fetchval(self.q["network-by-name"], name)
            self.networks.by_name[name] = slug if slug in self.networks.editable else None
        return self.networks.by_name[name]


def _reasons(exc: BaseException) -> list[FieldError]:
    if isinstance(exc, ValidationFailed):
        return exc.errors
    if isinstance(exc, DomainError):
        return [FieldError("", exc.detail)]
    if isinstance(exc, FAULTS):
        return [FieldError("", "this card could not be imported; the others were")]
    # Which rule of the data model it broke is for the log (with the request id), never
    # for the answer: a constraint's name says nothing to a person, and much to a prober.
    log.warning(
        "import card refused by the database",
        extra={"constraint": getattr(exc, "constraint_name", None), "error": type(exc).__name__},
    )
    return [FieldError("", "the database refused this card")]
