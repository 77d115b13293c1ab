"""CardDAV sync: Kontakt's address book against Radicale serving the same cards from its files.

A full sync is what a new phone does: PROPFIND Depth 1 for the ETags, then
addressbook-multiget in batches of 100. An incremental sync is what it does every few
minutes after one contact changed: sync-collection with its token, then a multiget of what
changed. Both servers get the same requests over one kept-alive connection, each warmed
once first; the figure is the median of several runs.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import asyncpg

D, C = "{DAV:}", "{urn:ietf:params:xml:ns:carddav}"
SIZES = [int(s) for s in os.environ.get("BENCH_CARDDAV_SIZES", "1000,10000").split(",")]
RUNS = int(os.environ.get("BENCH_CARDDAV_RUNS", "3"))
BATCH = 100
PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/><d:sync-token/></d:prop>
</d:propfind>"""
SYNC = """<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""


class Dav:
    """One kept-alive HTTP connection to a CardDAV server."""

    def __init__(self, port: int, book: str, user: str | None = None) -> None:
        # Radicale's first answer over 10,000 cards parses every file: it takes minutes.
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        self.book = book
        self.auth = {}
        if user:
            login = base64.b64encode(f"{user}:bench".encode()).decode()
            self.auth = {"Authorization": f"Basic {login}"}

    def request(self, method: str, path: str, body: str = "", depth: str = "1") -> ET.Element:
        """A 207 answer, parsed."""
        headers = {"Depth": depth, "Content-Type": "application/xml; charset=utf-8", **self.auth}
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body.encode(), headers=headers)
                response = self.connection.getresponse()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed the connection while it sat idle (KONTAKT_IDLE_TIMEOUT,
                # while the other server was measured): connect again, as a phone does.
                self.connection.close()
                if attempt:
                    raise
        data = response.read()
        if response.status != 207:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return ET.fromstring(data)  # noqa: S314 (our own servers on this machine)

    def etags(self) -> tuple[dict[str, str], str]:
        """Every card's href and ETag, and the book's sync token (PROPFIND Depth 1)."""
        root = self.request("PROPFIND", self.book, PROPFIND)
        etags = {
            r.findtext(f"{D}href") or "": r.findtext(f".//{D}getetag") or ""
            for r in root.findall(f"{D}response")
            if (r.findtext(f"{D}href") or "").endswith(".vcf")
        }
        return etags, root.findtext(f".//{D}sync-token") or ""

    def multiget(self, hrefs: list[str]) -> dict[str, str]:
        """The cards themselves, BATCH at a time."""
        cards: dict[str, str] = {}
        for start in range(0, len(hrefs), BATCH):
            listed = "".join(f"<d:href>{h}</d:href>" for h in hrefs[start : start + BATCH])
            body = (
                '<?xml version="1.0" encoding="utf-8"?><c:addressbook-multiget xmlns:d="DAV:" '
                'xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/>'
                f"</d:prop>{listed}</c:addressbook-multiget>"
            )
            root = self.request("REPORT", self.book, body)
            for r in root.findall(f"{D}response"):
                cards[r.findtext(f"{D}href") or ""] = r.findtext(f".//{C}address-data") or ""
        return cards

    def full_sync(self) -> tuple[dict[str, str], str]:
        """Every card, and a sync token for next time."""
        etags, token = self.etags()
        return self.multiget(sorted(etags)), token

    def incremental_sync(self, token: str) -> tuple[dict[str, str], str]:
        """What changed since `token`, fetched, and the next token."""
        root = self.request("REPORT", self.book, SYNC.format(token=token), depth="0")
        changed = [
            r.findtext(f"{D}href") or ""
            for r in root.findall(f"{D}response")
            if r.find(f".//{D}getetag") is not None
        ]
        return self.multiget(changed), root.findtext(f"{D}sync-token") or ""


def timed(function: Any, *args: Any) -> tuple[float, Any]:
    """Seconds taken, and the result."""
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


async def grow(db_url: str, count: int) -> None:
    """Contacts in the Lithuanian book up to `count`, each with two phones and a link."""
    conn = await asyncpg.connect(db_url)
    try:
        have = await conn.fetchval(
            """SELECT count(*) FROM directory.memberships m
                 JOIN directory.networks n ON n.id = m.network_id WHERE n.slug = 'lt'"""
        )
        await conn.execute(
            """WITH made AS (
                 INSERT INTO directory.contacts
                        (given_name, family_name, display_name, titles, position)
                 SELECT 'Žydrūnė', 'Kisevičienė-' || n, 'Žydrūnė Kisevičienė-' || n,
                        '{"en": "Adviser on Social Welfare", "lt": "Patarėja"}', 1000 + n
                   FROM generate_series($1::int, $2::int) n RETURNING id),
               phones AS (
                 INSERT INTO directory.contact_phones (contact_id, position, e164, written, kind)
                 SELECT id, 0, '+37068527738', '+370 685 27738', 'cell' FROM made),
               links AS (
                 INSERT INTO directory.contact_links (contact_id, position, url)
                 SELECT id, 0, 'https://example.lt/' FROM made)
               INSERT INTO directory.memberships (contact_id, network_id)
               SELECT id, (SELECT id FROM directory.networks WHERE slug = 'lt') FROM made""",
            have + 1,
            count,
        )
    finally:
        await conn.close()


async def edit(db_url: str, run: int) -> None:
    """One change to one contact of the book."""
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(
            """UPDATE directory.contacts
                  SET titles = jsonb_build_object('en', 'Edited ' || $1::text)
                WHERE id = (SELECT max(contact_id) FROM directory.memberships m
                              JOIN directory.networks n ON n.id = m.network_id
                             WHERE n.slug = 'lt')""",
            str(run),
        )
    finally:
        await conn.close()


def write_radicale(folder: Path, cards: dict[str, str]) -> Path:
    """The same cards as files of a Radicale address book; the path of one to edit."""
    book = folder / "collection-root" / "bench" / "lt"
    book.mkdir(parents=True, exist_ok=True)
    (folder / "collection-root" / "bench" / ".Radicale.props").write_text("{}")
    (book / ".Radicale.props").write_text(json.dumps({"tag": "VADDRESSBOOK"}))
    for href, text in cards.items():
        (book / href.rsplit("/", 1)[1]).write_bytes(text.encode("utf-8"))
    return book / sorted(cards)[-1].rsplit("/", 1)[1]


def start_radicale(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """Radicale on this machine; any password, each user reads their own books."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--auth-type",
            "none",
            "--rights-type",
            "owner_only",
            "--storage-filesystem-folder",
            str(folder),
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server, killing it if it does not stop in time."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def measure(ours: Dav, theirs: Dav, db_url: str, radicale_card: Path) -> dict[str, float]:
    """Median seconds of full and incremental syncs on both servers."""
    ours.full_sync()
    theirs.full_sync()  # each server warmed once (Radicale fills its item cache)
    figures: dict[str, list[float]] = {k: [] for k in ("ours_full", "radicale_full")}
    figures |= {"ours_incremental": [], "radicale_incremental": []}
    for _ in range(RUNS):
        seconds, (_, our_token) = timed(ours.full_sync)
        figures["ours_full"].append(seconds)
        seconds, (_, their_token) = timed(theirs.full_sync)
        figures["radicale_full"].append(seconds)
    for run in range(RUNS):
        asyncio.run(edit(db_url, run))
        seconds, (changed, our_token) = timed(ours.incremental_sync, our_token)
        assert len(changed) == 1, changed
        figures["ours_incremental"].append(seconds)
        text = radicale_card.read_text(encoding="utf-8")
        # Every TITLE line, whatever its parameters (TITLE;LANGUAGE=en:…): one card changed.
        edited = re.sub(r"^(TITLE(?:;[^:\n]*)?:)", rf"\g<1>Edited {run} ", text, flags=re.M)
        assert edited != text, "the card has no TITLE to edit"
        radicale_card.write_text(edited, encoding="utf-8")
        seconds, (changed, their_token) = timed(theirs.incremental_sync, their_token)
        assert len(changed) == 1, changed
        figures["radicale_incremental"].append(seconds)
    return {k: statistics.median(v) for k, v in figures.items()}


def run(db_url: str, vcard_port: int) -> list[dict[str, Any]]:
    """The benchmark rows: full and incremental sync at each size, against Radicale."""
    from bench.__main__ import wait_for
    from tests.support.ports import Reserved

    folder = Path(tempfile.mkdtemp(prefix="kontakt-radicale-"))
    rows: list[dict[str, Any]] = []
    radicale: subprocess.Popen[bytes] | None = None
    try:
        for size in SIZES:
            asyncio.run(grow(db_url, size))
            ours = Dav(vcard_port, "/dav/addressbooks/lt/")
            cards, _ = ours.full_sync()
            if radicale is not None:
                stop(radicale)
            card = write_radicale(folder, cards)
            # Radicale binds its own address: it binds our port beside our socket (both
            # SO_REUSEADDR, ours never listens), and while ours is open the system gives that
            # port to no one else.
            reserved = Reserved()
            radicale = start_radicale(folder, reserved.port)
            wait_for(f"{reserved.url}/.web/")
            theirs = Dav(reserved.port, "/bench/lt/", user="bench")
            figures = measure(ours, theirs, db_url, card)
            for kind in ("full", "incremental"):
                ours_s, theirs_s = figures[f"ours_{kind}"], figures[f"radicale_{kind}"]
                name = f"CardDAV {kind} sync, {len(cards)} cards"
                rows.append(
                    {
                        "benchmark": f"{name}: Kontakt",
                        "ms": round(ours_s * 1000, 1),
                        "ratio_to_baseline": round(theirs_s / ours_s, 1),
                    }
                )
                rows.append(
                    {
                        "benchmark": f"{name}: Radicale (baseline)",
                        "ms": round(theirs_s * 1000, 1),
                        "ratio_to_baseline": 1.0,
                    }
                )
    finally:
        if radicale is not None:
            stop(radicale)
        subprocess.run(["rm", "-rf", str(folder)], check=False)
    return rows
