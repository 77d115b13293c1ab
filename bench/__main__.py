"""`make bench`: start the system and baselines, measure, print one table, save it as JSON."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.load import measure, peak_rss_mb
from tests.support.activation import activated
from tests.support.ports import Reserved

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def start(
    argv: list[str],
    env: dict[str, str] | None = None,
    port_setting: str = "",
    listener: Reserved | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """Start `argv` given a socket bound here at port 0 (socket activation); it and its port.

    `port_setting` (e.g. KONTAKT_VCARD_PORT) is set to that port, so URLs derived from it agree;
    `listener`: the socket, when the caller needed its port before (for other settings).
    """
    listener = listener or Reserved()
    if port_setting:
        env = dict(env or {}, **{port_setting: str(listener.port)})
    wrapped, fds = activated(listener, argv)
    try:
        return subprocess.Popen(wrapped, env=env, cwd=ROOT, pass_fds=fds), listener.port
    finally:
        listener.sock.close()  # the child's copy is the listener now


def wait_for(url: str) -> None:
    """Poll until `url` answers 200."""
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (localhost)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, Any]:
    """Body and headers of a GET."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (localhost)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.read(), response.headers


def stop_system(server: Any, data: Path) -> None:
    """Stop a run's embedded PostgreSQL and remove its folder (~250 MB); BENCH_KEEP=1 keeps it."""
    from devstack.embedded import stop_postgres

    stop_postgres(server)
    if os.environ.get("BENCH_KEEP") != "1":
        shutil.rmtree(data, ignore_errors=True)


def bench_env(db_url: str, data: Path) -> dict[str, str]:
    """The services' environment for a bench run: its own database, data folder and secrets."""
    return dict(
        os.environ,
        KONTAKT_DATABASE_URL=db_url,
        KONTAKT_LOG_LEVEL="WARNING",
        KONTAKT_DATA_DIR=str(data),
        KONTAKT_DB_POOL_MAX="10",
        KONTAKT_SECRET_KEY=secrets.token_urlsafe(32),
        KONTAKT_SERVICE_TOKEN=secrets.token_urlsafe(32),
    )


def main() -> int:
    """Run every benchmark row."""
    from devstack.embedded import start_postgres

    data = Path(tempfile.mkdtemp(prefix="kontakt-bench-"))
    server, db_url = start_postgres(data)
    env = bench_env(db_url, data)
    processes: list[subprocess.Popen[bytes]] = []
    rows: list[dict[str, Any]] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "services.directory.cli", "demo"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        directory, port = start(
            [sys.executable, "-m", "services.directory"], env, "KONTAKT_DIRECTORY_PORT"
        )
        processes.append(directory)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/readyz")
        contacts_url = f"{base}/v1/networks/for-in/contacts?lang=et"
        body, headers = fetch(contacts_url)
        baseline, baseline_port = start([sys.executable, "-m", "bench.baseline", str(len(body))])
        processes.append(baseline)
        wait_for(f"http://127.0.0.1:{baseline_port}/")

        reference = measure(f"http://127.0.0.1:{baseline_port}/", SECONDS)
        rows.append(
            _row("baseline: bare aiohttp, constant body", reference, reference, baseline.pid)
        )
        cases = [
            ("GET contacts (cached body)", contacts_url, {}),
            ("GET contacts, If-None-Match (304)", contacts_url, {"If-None-Match": headers["ETag"]}),
            ("GET networks", f"{base}/v1/networks", {}),
            ("GET widget fragment (server HTML)", f"{base}/fragment/for-in?lang=lv", {}),
        ]
        for name, url, extra in cases:
            rows.append(_row(name, measure(url, SECONDS, headers=extra), reference, directory.pid))
        from bench.campaign_send import run as campaign_rows

        mail_rows = campaign_rows(db_url)
        # CardDAV first: the contact import adds thousands of cards to the book it syncs.
        sync_rows = _carddav_rows(env, base, db_url, processes)
        postgres_pid = int((data / "postgres" / "postmaster.pid").read_text().split()[0])
        searches: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        import_rows = _import_rows(
            env, base, db_url, processes, directory.pid, postgres_pid, searches, pages
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        stop_system(server, data)
    _print(rows)
    _print(searches)
    rows += searches
    from bench.console_pages import print_rows

    print_rows(pages)
    rows += pages
    from bench.vcard_export import run as vcard_rows

    exports = vcard_rows()
    _print_units(exports, "cards/s", "cards_per_s")
    rows += exports
    _print_units(mail_rows, "msgs/s", "msgs_per_s")
    rows += mail_rows
    _print_units(import_rows, "rows/s", "rows_per_s")
    rows += import_rows
    _print_units(sync_rows, "ms", "ms")
    rows += sync_rows
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(rows, indent=2))
    (RESULTS / "latest.json").write_text(json.dumps(rows, indent=2))
    return 0


def _import_rows(
    env: dict[str, str],
    directory: str,
    db_url: str,
    processes: list[subprocess.Popen[bytes]],
    directory_pid: int,
    postgres_pid: int,
    searches: list[dict[str, Any]],
    pages: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """With an admin token: the contact import (directory), then the subscriber import; the
    member search (into `searches`) and the console's pages (into `pages`) after them."""
    from bench.contact_import import run as contact_run
    from bench.subscriber_import import run as import_run

    token = subprocess.run(
        [sys.executable, "-m", "services.directory.cli", "admin", "create", "bench@example.ee"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    contacts = contact_run(directory, token, directory_pid, postgres_pid)
    # Nothing is sent here: the SMTP URL only satisfies the service's start-up check.
    mailing_env = dict(env, KONTAKT_DIRECTORY_URL=directory, KONTAKT_SMTP_URL="smtp://127.0.0.1:9")
    mailing, port = start(
        [sys.executable, "-m", "services.mailing"], mailing_env, "KONTAKT_MAILING_PORT"
    )
    processes.append(mailing)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/readyz")
    from bench.member_search import run as member_run

    imports = contacts + import_run(db_url, base, token, mailing.pid)
    # The member search, printed with the request rows (the smallest list is the baseline).
    searches.extend(member_run(db_url, base, token, mailing.pid))
    from bench.console_pages import run as console_run

    console_rows, console = console_run(env, db_url, directory, base, token)
    processes.append(console)
    pages.extend(console_rows)
    return imports


def _carddav_rows(
    env: dict[str, str], directory: str, db_url: str, processes: list[subprocess.Popen[bytes]]
) -> list[dict[str, Any]]:
    """Start the vcard service and measure CardDAV syncs against Radicale."""
    from bench.carddav_sync import run as sync_run

    vcard_env = dict(env, KONTAKT_DIRECTORY_URL=directory)
    vcard, port = start([sys.executable, "-m", "services.vcard"], vcard_env, "KONTAKT_VCARD_PORT")
    processes.append(vcard)
    wait_for(f"http://127.0.0.1:{port}/readyz")
    return sync_run(db_url, port)


def _print_units(rows: list[dict[str, Any]], unit: str, key: str) -> None:
    # Rows per CPU-second (service and PostgreSQL) where a row measured it: the cost,
    # whatever else the machine was doing.
    per_cpu = any("rows_per_cpu_s" in r for r in rows)
    extra = f" {'rows/CPU-s':>10}" if per_cpu else ""
    print(f"\n{'benchmark':<52} {unit:>9} {'ratio':>6} {'peak MiB':>9}{extra}")
    for r in rows:
        more = f" {r.get('rows_per_cpu_s', ''):>10}" if per_cpu else ""
        print(
            f"{r['benchmark']:<52} {r.get(key, ''):>9} "
            f"{r.get('ratio_to_baseline', ''):>6} {r.get('peak_mib', ''):>9}{more}"
        )


def _row(name: str, result: Any, reference: Any, pid: int) -> dict[str, Any]:
    return {
        "benchmark": name,
        "req_per_s": round(result.requests_per_s),
        "ratio_to_baseline": round(result.requests_per_s / max(reference.requests_per_s, 1e-9), 2),
        "p50_ms": round(result.p50_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "peak_rss_mib": round(peak_rss_mb(pid), 1),
        "tool": result.tool,
    }


def _print(rows: list[dict[str, Any]]) -> None:
    print(
        f"\n{'benchmark':<48} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'RSS MiB':>8}"
    )
    for r in rows:
        print(
            f"{r['benchmark']:<48} {r['req_per_s']:>8} {r['ratio_to_baseline']:>6} "
            f"{r['p50_ms']:>8} {r['p99_ms']:>8} {r['peak_rss_mib']:>8}"
        )


if __name__ == "__main__":
    sys.exit(main())
