"""The `kontakt` command, run as a person runs it: a real process against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

from tests.conftest import DEMO_EMAILS
from tests.support.spreadsheets import HOSTILE, assert_safe

ROOT = Path(__file__).resolve().parents[2]


def kontakt(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script's entry point in a fresh process."""
    env = dict(os.environ, KONTAKT_DATABASE_URL=db_url, KONTAKT_LOG_LEVEL="WARNING")
    return subprocess.run(
        [sys.executable, "-m", "services.directory.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_first_admin_token_then_list_and_revoke(db_url: str) -> None:
    created = kontakt(db_url, "admin", "create", "admin@for-in.example", "--name", "Mežecka")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("kt_")
    listed = kontakt(db_url, "tokens", "list")
    assert "admin@for-in.example" in listed.stdout
    assert token not in listed.stdout
    assert "active" in listed.stdout
    token_id = listed.stdout.splitlines()[1].split()[0]
    revoked = kontakt(db_url, "tokens", "revoke", token_id)
    assert revoked.returncode == 0
    assert "revoked" in kontakt(db_url, "tokens", "list").stdout
    assert kontakt(db_url, "tokens", "revoke", "99999").returncode == 1


def test_an_admins_name_follows_the_one_name_rule(db_url: str) -> None:
    refused = kontakt(db_url, "admin", "create", "ops@for-in.example", "--name", "Ona\u202e")
    assert refused.returncode == 2
    assert "--name must not contain control characters" in refused.stderr
    assert refused.stdout == ""  # no token for an account that was not made
    assert "ops@for-in.example" not in kontakt(db_url, "tokens", "list").stdout
    made = kontakt(db_url, "admin", "create", "ops@for-in.example", "--name", "Ona  Kisevičienė")
    assert made.returncode == 0, made.stderr


def test_tokens_list_warns_of_a_token_about_to_expire(db_url: str) -> None:
    """Issue 17 item 6: the operator's listing warns, as the API and the console do."""
    soon = kontakt(db_url, "admin", "create", "ops@for-in.example", "--token-name", "Jõemets")
    assert soon.returncode == 0, soon.stderr
    for name, days in (("Mežecka", "3"), ("Kisevičienė", "90")):
        made = kontakt(
            db_url, "admin", "create", "ops@for-in.example", "--token-name", name, "--days", days
        )
        assert made.returncode == 0, made.stderr
    listed = kontakt(db_url, "tokens", "list", "--account", "ops@for-in.example")
    states = {line.split()[-1]: line.split()[3] for line in listed.stdout.splitlines()[1:]}
    # Within KONTAKT_TOKEN_WARN_DAYS (14) it says so; later, or never, it is simply active.
    assert states == {"Jõemets": "active", "Mežecka": "expiring", "Kisevičienė": "active"}


def test_demo_export_import_round_trip(db_url: str, tmp_path: Path) -> None:
    assert kontakt(db_url, "demo", "--if-empty").returncode == 0
    again = kontakt(db_url, "demo", "--if-empty")
    assert "not empty" in again.stdout
    exported = kontakt(db_url, "export")
    doc = json.loads(exported.stdout)
    assert len(doc["contacts"]) == 12
    assert {e for c in doc["contacts"] for e in c["emails"]} == set(DEMO_EMAILS)
    assert any(c["family_name"] == "Kisevičienė" for c in doc["contacts"])
    # Importing the export again changes nothing: every contact is found by its uid, and
    # neither it nor any network or organisation gets a new revision.
    path = tmp_path / "directory.json"
    path.write_text(exported.stdout, encoding="utf-8")
    imported = kontakt(db_url, "import", str(path))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "created 0, updated 0, unchanged 27, rejected 0, skipped 0" in imported.stdout
    assert json.loads(kontakt(db_url, "export").stdout) == doc


async def test_csv_import_reports_bad_rows_and_keeps_good_ones(db_url: str, tmp_path: Path) -> None:
    assert kontakt(db_url, "demo").returncode == 0
    csv_out = kontakt(db_url, "export", "--format", "csv", "-o", str(tmp_path / "all.csv"))
    assert csv_out.returncode == 0
    header = (tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = [
        header,
        ",Jana,Pūce,,Padomniece,,Padomniece,,providus,+371 293 94399,jana@example.lv,,"
        "lv:member,50,true",
        ",Bad,Phone,,,,,,,not-a-number,bad@,,lv,51,true",
        ",Nowhere,Network,,,,,,,,,,atlantis,52,true",
        ",Late,Row,,,,,,,,,,lt,x,true",
    ]
    (tmp_path / "new.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = kontakt(db_url, "import", str(tmp_path / "new.csv"))
    assert result.returncode == 2
    assert "created 1, updated 0, unchanged 0, rejected 3, skipped 0" in result.stdout
    # Rows are numbered as the spreadsheet shows them (the header is row 1).
    assert "contact 3 (line 3) Bad Phone: rejected - emails[0]:" in result.stdout
    assert (
        "contact 4 (line 4) Nowhere Network: rejected - "
        "networks[0].network: no network 'atlantis'" in result.stdout
    )
    assert "contact 5 (line 5) Late Row: rejected - position: must be a whole number" in (
        result.stdout
    )
    assert "importing:" in result.stderr  # progress, even when not on a terminal
    conn = await asyncpg.connect(db_url)
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM directory.contacts WHERE family_name = 'Pūce'"
            )
            == 1
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM directory.contacts WHERE family_name = 'Phone'"
            )
            == 0
        )
    finally:
        await conn.close()
    # The whole export, re-imported, is harmless.
    again = kontakt(db_url, "import", str(tmp_path / "all.csv"))
    assert again.returncode == 0, again.stdout
    assert "created 0" in again.stdout


def test_csv_export_is_safe_in_spreadsheets_and_reads_back_unchanged(
    db_url: str, tmp_path: Path
) -> None:
    assert kontakt(db_url, "demo").returncode == 0
    hostile = {
        "given_name": HOSTILE[0],
        "family_name": HOSTILE[3],
        "titles": {"en": HOSTILE[1], "lv": HOSTILE[2]},
        "networks": [{"network": "lv", "role": "member"}],
    }
    (tmp_path / "hostile.json").write_text(json.dumps({"contacts": [hostile]}), encoding="utf-8")
    assert kontakt(db_url, "import", str(tmp_path / "hostile.json")).returncode == 0
    first = tmp_path / "first.csv"
    assert kontakt(db_url, "export", "--format", "csv", "-o", str(first)).returncode == 0
    assert_safe(first.read_text(encoding="utf-8"), HOSTILE[:4])
    # The JSON export keeps the raw value; the CSV, read back, changes nothing.
    exported = json.loads(kontakt(db_url, "export").stdout)
    assert any(c["given_name"] == HOSTILE[0] for c in exported["contacts"])
    again = kontakt(db_url, "import", str(first))
    assert again.returncode == 0, again.stdout
    assert "created 0" in again.stdout
    second = tmp_path / "second.csv"
    assert kontakt(db_url, "export", "--format", "csv", "-o", str(second)).returncode == 0
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_vcard_files_go_through_the_same_import(db_url: str) -> None:
    assert kontakt(db_url, "demo").returncode == 0
    corpus = ROOT / "tests" / "samples" / "imports"
    dry = kontakt(db_url, "import", str(corpus / "macos-utf16.vcf"), "--network", "lv", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == (
        "dry run: created 1, updated 0, unchanged 0, rejected 0, skipped 1"
    )
    assert "contact 2 (line 13) Kolēģi: skipped - a contact group, not a person" in dry.stdout
    real = kontakt(db_url, "import-vcf", str(corpus / "android.vcf"), "--network", "lv")
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines()[0] == (
        "created 2, updated 0, unchanged 0, rejected 0, skipped 0"
    )
    assert "contact 1 (line 1) Daina Mežecka: created - not kept: nickname, photo" in real.stdout
    assert "'+371 2000 0002' is listed twice; merged" in real.stdout
