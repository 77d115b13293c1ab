"""The `kontakt` command: first admin token, tokens, migrations, housekeeping, demo data,
import and export."""

from __future__ import annotations

import argparse
import asyncio
import json
import pkgutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import asyncpg

from services.directory.epoch import start_epoch
from services.directory.export import Tally, export_csv, export_json
from services.directory.importing.engine import Importer, Options
from services.directory.importing.rows import STATUSES, Report, TooLarge
from services.directory.importing.run import import_document, reader_for, run_import
from services.directory.paths import MIGRATIONS, QUERIES_DIR, SCHEMA
from services.directory.token_records import expires_soon, issue_token
from shared.conn import Conn
from shared.csvio import FLUSH_BYTES
from shared.db import create_pool, prepare_schema
from shared.errors import BadRequest
from shared.http import web_origin
from shared.migrate import MigrationError
from shared.queries import Queries
from shared.settings import Settings, SettingsError
from shared.validate import person_name

DEMO = Path(__file__).with_name("demo.json")
# Tokens `kontakt tokens list` reads at once: the API's largest page.
TOKENS_PAGE = 500


@asynccontextmanager
async def connect(settings: Settings) -> AsyncIterator[tuple[Conn, Queries]]:
    """A connection to DATABASE_URL, on a schema with the migrations this code needs."""
    pool = await create_pool(settings.replace(db_pool_min=1, db_pool_max=1), SCHEMA)
    try:
        async with pool.acquire() as conn:
            await prepare_schema(conn, settings, SCHEMA, MIGRATIONS)
            queries = Queries.load(QUERIES_DIR)
            yield conn, queries
    finally:
        await pool.close()


class ProgressBar:
    """A progress bar on a terminal, a line every 10% elsewhere (logs stay readable)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        """Show that `done` of `total` rows are through."""
        share = done / total if total else 1.0
        if self.tty:
            filled = int(share * 30)
            bar = "#" * filled + "-" * (30 - filled)
            end = "\n" if done == total else ""
            print(f"\r{self.label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif int(share * 10) > self.last_decile:
            self.last_decile = int(share * 10)
            print(f"{self.label}: {done}/{total} ({share:.0%})", file=sys.stderr, flush=True)


def print_report(report: Report) -> None:
    """Summarise an import on stdout: the counts, then a line per row that needs a look."""
    data = report.as_json()
    counts = report.counts()
    prefix = "dry run: " if report.dry_run else ""
    print(prefix + ", ".join(f"{k} {counts[k]}" for k in STATUSES))
    for note in data["notes"]:
        print(f"  {note}")
    for item in data["items"]:
        remarks = [
            f"{e['field']}: {e['message']}" if e["field"] else e["message"]
            for e in item["errors"] + item["notes"]
        ]
        if item["dropped"]:
            remarks.append("not kept: " + ", ".join(d.replace("_", " ") for d in item["dropped"]))
        if item["status"] in {"rejected", "skipped"} or remarks:
            where = f"{item['kind']} {item['row']}" + (
                f" (line {item['line']})" if item["line"] else ""
            )
            name = f" {item['name']}" if item["name"] else ""
            print(f"  {where}{name}: {item['status']} - {'; '.join(remarks)}")


def service_packages() -> list[str]:
    """Every service, found without importing any (a service never imports another)."""
    import services

    return sorted(m.name for m in pkgutil.iter_modules(services.__path__) if m.ispkg)


async def each_service(command: str) -> int:
    """`python -m services.NAME COMMAND` for every service at once; 1 when any failed."""

    async def one(name: str) -> bool:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"services.{name}", command
        )
        if await process.wait() == 0:
            return True
        print(f"kontakt: {command} of {name} failed", file=sys.stderr)
        return False

    results = await asyncio.gather(*(one(name) for name in service_packages()))
    return 0 if all(results) else 1


async def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    """The migration step: `python -m services.NAME migrate` for every service, all at once."""
    return await each_service("migrate")


async def cmd_housekeeping(settings: Settings, _: argparse.Namespace) -> int:
    """Prune once in every service (`python -m services.NAME housekeeping`): a CronJob."""
    return await each_service("housekeeping")


async def cmd_restore_check(settings: Settings, _: argparse.Namespace) -> int:
    """After a restore: every service checks its schema (`python -m services.NAME
    restore-check`); 1 when anything must be fixed before the services start."""
    return await each_service("restore-check")


async def cmd_new_epoch(settings: Settings, _: argparse.Namespace) -> int:
    """After a restore from a dump: a new sync epoch (every CardDAV client syncs afresh)."""
    async with connect(settings) as (conn, q):
        first = await start_epoch(conn, q)
    print(f"new sync epoch from version {first}: every CardDAV client will sync afresh")
    return 0


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Load the FOR-IN demo network."""
    async with connect(settings) as (conn, q):
        if args.if_empty and await conn.fetchval(q["count-networks"]):
            print("directory is not empty; demo not loaded")
            return 0
        doc = json.loads(DEMO.read_text(encoding="utf-8"))
        report = await import_document(conn, q, doc)
        # Reveals answer only the sites a network lists; the demo lists the example site.
        if args.embed_origin and not report.counts()["rejected"]:
            for network in doc["networks"]:
                if network["parent"] is None:
                    await conn.execute(q["set-network-origins"], network["slug"], args.embed_origin)
        print_report(report)
        return 1 if report.counts()["rejected"] else 0


async def cmd_admin_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create (or reuse) an admin account and print a new token for it, once."""
    # The one name rule, as the accounts API has it: a shell's argument is a way in too.
    name, refused = person_name(args.name or "")
    if refused is not None:
        print(f"kontakt: --name {refused.text()}", file=sys.stderr)
        return 2
    async with connect(settings) as (conn, q), conn.transaction():
        account_id = await conn.fetchval(q["account-by-email"], args.email)
        if account_id is None:
            account_id = await conn.fetchval(q["insert-account"], args.email, name, True)
        else:
            await conn.execute(q["update-account"], account_id, name, True, False)
        expires = datetime.now(UTC) + timedelta(days=args.days) if args.days else None
        token, _ = await issue_token(
            conn, q, account_id, kind="api", name=args.token_name, expires_at=expires
        )
    print(token)
    print(
        f"admin token for {args.email} (account {account_id}); it is shown only now",
        file=sys.stderr,
    )
    return 0


async def cmd_tokens_list(settings: Settings, args: argparse.Namespace) -> int:
    """List tokens (never the secrets), a page at a time as they are read."""
    async with connect(settings) as (conn, q):
        accounts = None
        if args.account:
            account_id = await conn.fetchval(q["account-by-email"], args.account)
            if account_id is None:
                print(f"no account {args.account}", file=sys.stderr)
                return 1
            accounts = [account_id]
        print(
            f"{'id':>5}  {'prefix':<10}  {'kind':<4}  {'state':<8}  {'expires':<10}  "
            f"{'last used':<16}  {'account':<30}  name"
        )
        after = 0
        while True:
            # The API's keyset query: one page is held, however many tokens there are.
            rows = await conn.fetch(q["page-tokens"], accounts, False, after, TOKENS_PAGE)
            now = datetime.now(UTC)
            for r in rows:
                print(_token_line(r, now, settings.token_warn_days))
            if len(rows) < TOKENS_PAGE:
                return 0
            after = rows[-1]["id"]
            del rows  # let go before the next page is read: one page held, not two


def _token_line(r: asyncpg.Record, now: datetime, warn_days: int) -> str:
    """One token's line of `kontakt tokens list`."""
    state = (
        "revoked"
        if r["revoked_at"]
        else "expired"
        if r["expires_at"] and r["expires_at"] < now
        else "expiring"
        if expires_soon(r, warn_days)
        else "active"
    )
    expires = f"{r['expires_at']:%Y-%m-%d}" if r["expires_at"] else "never"
    used = f"{r['last_used_at']:%Y-%m-%d %H:%M}" if r["last_used_at"] else "never"
    return (
        f"{r['id']:>5}  {r['prefix']:<10}  {r['kind']:<4}  {state:<8}  {expires:<10}  "
        f"{used:<16}  {r['account_email']:<30}  {r['name']}"
    )


async def cmd_tokens_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """Revoke a token by id."""
    async with connect(settings) as (conn, q):
        revoked = await conn.fetchval(q["revoke-token"], args.id)
    if revoked is None:
        print(f"no token {args.id}", file=sys.stderr)
        return 1
    print(f"token {args.id} revoked")
    return 0


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Export the directory as JSON (everything) or CSV (contacts), streamed a page at a time."""
    to_file = bool(args.output) and args.output != "-"
    out: TextIO = (
        await asyncio.to_thread(Path(args.output).open, "w", encoding="utf-8", newline="")
        if to_file
        else sys.stdout
    )
    pending: list[str] = []
    size = 0
    tally = Tally()
    try:
        async with (
            connect(settings) as (conn, q),
            # The pages are one snapshot: a contact moved meanwhile is written once.
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            write = export_csv if args.format == "csv" else export_json
            pieces = write(conn, q, tally)
            async for piece in pieces:
                pending.append(piece)
                size += len(piece)
                if size >= FLUSH_BYTES:
                    await asyncio.to_thread(out.write, "".join(pending))
                    pending, size = [], 0
        await asyncio.to_thread(out.write, "".join(pending))
    finally:
        if to_file:
            await asyncio.to_thread(out.close)
    if to_file:
        print(f"exported {tally.contacts} contacts to {args.output}", file=sys.stderr)
    return 0


FORMATS = {".vcf": "vcard", ".vcard": "vcard", ".csv": "csv", ".json": "json"}


async def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import vCard, CSV or JSON; good rows are kept, bad ones reported; exit 2 if any failed."""
    fmt = args.format or FORMATS.get(Path(args.file).suffix.lower(), "json")
    path = Path(args.file)
    stream = sys.stdin.buffer if args.file == "-" else await asyncio.to_thread(path.open, "rb")
    size = 0 if args.file == "-" else (await asyncio.to_thread(path.stat)).st_size
    bar = ProgressBar("importing")
    options = Options(
        network=args.network,
        lang=args.lang,
        dry_run=args.dry_run,
        check_deliverability=settings.email_check_deliverability,
    )
    operator = Importer(is_admin=True, may_edit=lambda _: True)

    async def pieces() -> AsyncIterator[bytes]:
        while piece := await asyncio.to_thread(stream.read, 65536):
            yield piece

    async def progress(done: int) -> None:
        bar(done, max(size, done))

    reader = reader_for(fmt, settings.import_max_bytes)
    try:
        async with connect(settings) as (conn, q):
            report = await run_import(
                conn, q, reader, pieces(), options, operator, progress, settings.import_workers
            )
    except (BadRequest, TooLarge) as exc:
        print(f"cannot import: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        return 1
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    print_report(report)
    return 2 if report.counts()["rejected"] else 0


def _origin(raw: str) -> str:
    origin = web_origin(raw)
    if origin is None:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an origin such as https://www.norden.ee")
    return origin


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(prog="kontakt", description="Kontakt directory administration.")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every service's migrations").set_defaults(run=cmd_migrate)
    sub.add_parser(
        "housekeeping", help="prune once what every service keeps no longer (a CronJob)"
    ).set_defaults(run=cmd_housekeeping)
    sub.add_parser(
        "restore-check", help="after a restore: check every service's schema (exit 1: fix it)"
    ).set_defaults(run=cmd_restore_check)
    sub.add_parser(
        "new-epoch", help="after a restore from a dump: every CardDAV client syncs afresh"
    ).set_defaults(run=cmd_new_epoch)
    demo = sub.add_parser("demo", help="load the FOR-IN demo network")
    demo.add_argument("--if-empty", action="store_true", help="only into an empty directory")
    demo.add_argument(
        "--embed-origin",
        action="append",
        default=[],
        type=_origin,
        help="a site (scheme://host[:port]) that may embed the demo network; repeatable",
    )
    demo.set_defaults(run=cmd_demo)

    admin = sub.add_parser("admin", help="admin accounts").add_subparsers(
        dest="admin", required=True
    )
    create = admin.add_parser("create", help="create an admin and print a token for it")
    create.add_argument("email")
    create.add_argument("--name", default="")
    create.add_argument("--token-name", default="cli")
    create.add_argument("--days", type=int, default=None, help="token expires after N days")
    create.set_defaults(run=cmd_admin_create)

    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(
        dest="tokens", required=True
    )
    listing = tokens.add_parser("list", help="list tokens")
    listing.add_argument("--account", help="only this account's (e-mail)")
    listing.set_defaults(run=cmd_tokens_list)
    revoke = tokens.add_parser("revoke", help="revoke a token")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=cmd_tokens_revoke)

    export = sub.add_parser("export", help="export the directory")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("-o", "--output", default="-")
    export.set_defaults(run=cmd_export)
    for name, fixed in (("import", None), ("import-vcf", "vcard")):
        imp = sub.add_parser(
            name,
            help="import vCard (2.1, 3.0, 4.0), CSV or JSON (the whole directory)"
            if fixed is None
            else "import a .vcf file (the same as import --format vcard)",
        )
        imp.add_argument("file", help="path, or - for standard input")
        imp.add_argument("--format", choices=("vcard", "csv", "json"), default=fixed)
        imp.add_argument("--network", help="network for rows that name none (and every card)")
        imp.add_argument(
            "--lang",
            choices=("en", "et", "lv", "lt"),
            help="language of titles the file does not say (default: the network's)",
        )
        imp.add_argument("--dry-run", action="store_true", help="report, change nothing")
        imp.set_defaults(run=cmd_import)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kontakt` console script."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        settings.require_database()
    except SettingsError as exc:
        print(f"kontakt: {exc}", file=sys.stderr)
        return 2
    try:
        result: int = asyncio.run(args.run(settings, args))
    except MigrationError as exc:
        print(f"kontakt: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
