"""The `kontakt` command: first admin token, tokens, migrations, demo data, import and export."""

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
from typing import Any

from services.directory.paths import MIGRATIONS, QUERIES_DIR, SCHEMA
from services.directory.tokens import expires_soon, issue_token
from services.directory.transfer import (
    Report,
    contacts_to_csv,
    csv_to_contacts,
    export_document,
    import_contacts,
    import_document,
)
from services.directory.validation import ORIGIN
from services.directory.vcf_import import decode, import_vcf
from shared.conn import Conn
from shared.db import create_pool, prepare_schema
from shared.queries import Queries
from shared.settings import Settings, SettingsError

DEMO = Path(__file__).with_name("demo.json")


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
    """Summarise an import on stdout, one line per rejected row."""
    print(f"created {report.created}, updated {report.updated}, rejected {len(report.rejected)}")
    for rejected in report.rejected:
        reasons = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"]
            for e in rejected["errors"]
        )
        print(f"  rejected {rejected['kind']} row {rejected['row']}: {reasons}")


def service_packages() -> list[str]:
    """Every service, found without importing any (a service never imports another)."""
    import services

    return sorted(m.name for m in pkgutil.iter_modules(services.__path__) if m.ispkg)


async def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    """The migration step: `python -m services.NAME migrate` for every service, all at once."""

    async def one(name: str) -> bool:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"services.{name}", "migrate"
        )
        if await process.wait() == 0:
            return True
        print(f"kontakt: migrating {name} failed", file=sys.stderr)
        return False

    results = await asyncio.gather(*(one(name) for name in service_packages()))
    return 0 if all(results) else 1


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Load the FOR-IN demo network."""
    async with connect(settings) as (conn, q):
        if args.if_empty and await conn.fetchval(q["count-networks"]):
            print("directory is not empty; demo not loaded")
            return 0
        doc = json.loads(DEMO.read_text(encoding="utf-8"))
        async with conn.transaction():
            report = await import_document(conn, q, doc)
            # Reveals answer only the sites a network lists; the demo lists the example site.
            if args.embed_origin and not report.rejected:
                for network in doc["networks"]:
                    if network["parent"] is None:
                        await conn.execute(
                            q["set-network-origins"], network["slug"], args.embed_origin
                        )
        print_report(report)
        return 1 if report.rejected else 0


async def cmd_admin_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create (or reuse) an admin account and print a new token for it, once."""
    async with connect(settings) as (conn, q), conn.transaction():
        account_id = await conn.fetchval(q["account-by-email"], args.email)
        if account_id is None:
            account_id = await conn.fetchval(q["insert-account"], args.email, args.name, True)
        else:
            await conn.execute(q["update-account"], account_id, args.name or "", True, False)
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
    """List tokens (never the secrets)."""
    async with connect(settings) as (conn, q):
        account_id = None
        if args.account:
            account_id = await conn.fetchval(q["account-by-email"], args.account)
            if account_id is None:
                print(f"no account {args.account}", file=sys.stderr)
                return 1
        rows = await conn.fetch(q["list-tokens"], account_id)
    print(
        f"{'id':>5}  {'prefix':<10}  {'kind':<4}  {'state':<8}  {'expires':<10}  "
        f"{'last used':<16}  {'account':<30}  name"
    )
    now = datetime.now(UTC)
    for r in rows:
        state = (
            "revoked"
            if r["revoked_at"]
            else "expired"
            if r["expires_at"] and r["expires_at"] < now
            else "expiring"
            if expires_soon(r, settings.token_warn_days)
            else "active"
        )
        expires = f"{r['expires_at']:%Y-%m-%d}" if r["expires_at"] else "never"
        used = f"{r['last_used_at']:%Y-%m-%d %H:%M}" if r["last_used_at"] else "never"
        print(
            f"{r['id']:>5}  {r['prefix']:<10}  {r['kind']:<4}  {state:<8}  {expires:<10}  "
            f"{used:<16}  {r['account_email']:<30}  {r['name']}"
        )
    return 0


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
    """Export the directory as JSON (everything) or CSV (contacts)."""
    async with connect(settings) as (conn, q):
        doc = await export_document(conn, q)
    if args.format == "csv":
        text = contacts_to_csv(doc["contacts"])
    else:
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if args.output and args.output != "-":
        await asyncio.to_thread(Path(args.output).write_text, text, "utf-8", None, "")
        print(f"exported {len(doc['contacts'])} contacts to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import JSON or CSV; good rows are kept, bad rows reported; exit 2 if any were rejected."""
    if args.file == "-":
        text = sys.stdin.read()
    else:
        text = await asyncio.to_thread(Path(args.file).read_text, "utf-8-sig")
    fmt = args.format or ("csv" if args.file.endswith(".csv") else "json")
    progress = ProgressBar("importing")
    async with connect(settings) as (conn, q), conn.transaction():
        if fmt == "csv":
            try:
                numbered, unreadable = csv_to_contacts(text)
            except ValueError as exc:
                print(f"cannot import: {exc}", file=sys.stderr)
                return 1
            report = Report(rejected=unreadable)
            await import_contacts(conn, q, numbered, report, progress)
        else:
            try:
                doc: Any = json.loads(text)
            except json.JSONDecodeError as exc:
                print(f"cannot import: not JSON ({exc})", file=sys.stderr)
                return 1
            if not isinstance(doc, dict):
                print(
                    "cannot import: expected an object with networks, organisations, contacts",
                    file=sys.stderr,
                )
                return 1
            report = await import_document(conn, q, doc, progress)
    print_report(report)
    return 2 if report.rejected else 0


async def cmd_import_vcf(settings: Settings, args: argparse.Namespace) -> int:
    """Import a .vcf file; exit 2 if any card was rejected."""
    data = await asyncio.to_thread(Path(args.file).read_bytes)
    async with connect(settings) as (conn, q), conn.transaction():
        results = await import_vcf(
            conn,
            q,
            decode(data),
            network=args.network,
            lang=args.lang,
            check=settings.email_check_deliverability,
        )
    counts = {
        s: sum(1 for r in results if r.status == s) for s in ("created", "updated", "rejected")
    }
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    for result in results:
        line = f"  card {result.card} ({result.name or 'no name'}): {result.status}"
        if result.errors:
            line += " - " + "; ".join(
                f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                for e in result.errors
            )
        print(line)
    return 2 if counts["rejected"] else 0


def _origin(raw: str) -> str:
    if not ORIGIN.match(raw):
        raise argparse.ArgumentTypeError(f"{raw!r} is not an origin such as https://www.norden.ee")
    return raw


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(prog="kontakt", description="Kontakt directory administration.")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every service's migrations").set_defaults(run=cmd_migrate)
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
    imp = sub.add_parser("import", help="import JSON (whole directory) or CSV (contacts)")
    imp.add_argument("file", help="path, or - for standard input")
    imp.add_argument("--format", choices=("json", "csv"))
    imp.set_defaults(run=cmd_import)
    vcf = sub.add_parser("import-vcf", help="import a .vcf file (vCard 2.1, 3.0 or 4.0)")
    vcf.add_argument("file")
    vcf.add_argument("--network", help="member network for the cards (besides their CATEGORIES)")
    vcf.add_argument(
        "--lang",
        default="en",
        choices=("en", "et", "lv", "lt"),
        help="language of the cards' titles",
    )
    vcf.set_defaults(run=cmd_import_vcf)
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
    result: int = asyncio.run(args.run(settings, args))
    return result


if __name__ == "__main__":
    sys.exit(main())
