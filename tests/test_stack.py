"""The whole system as a person starts it: `make run`, the mail sink, compose.yaml."""

from __future__ import annotations

import asyncio
import email.message
import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import aiosmtplib
import psutil
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.smtp import SMTP

from devstack.mailsink import Sink, sink_app
from tests.support.ports import Reserved

ROOT = Path(__file__).resolve().parent.parent


def get_json(url: str) -> object:
    """GET a URL and parse its JSON."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own localhost)
        return json.loads(response.read())


def related(data_dir: Path, session: int) -> list[psutil.Process]:
    """Processes `make run` started: its session, and the PostgreSQL in its data folder."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            in_session = os.getsid(process.pid) == session
            cmdline = " ".join(process.info["cmdline"] or [])
        except (psutil.Error, ProcessLookupError):
            continue
        if in_session or str(data_dir) in cmdline:
            found.append(process)
    return found


@pytest.mark.timeout(240)
def test_make_run_serves_the_demo_and_sigterm_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # `make run` binds the ports it is told (as a developer runs it): each binds beside a socket
    # of ours (both SO_REUSEADDR, ours never listens), and while ours are open the system gives
    # those ports to no one else.
    reserved = {
        name: Reserved()
        for name in (
            "DIRECTORY",
            "MAILING",
            "VCARD",
            "CONSOLE",
            "MAILSINK_SMTP",
            "MAILSINK_WEB",
            "EXAMPLE",
        )
    }
    ports = {name: held.port for name, held in reserved.items()}
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("KONTAKT_") and k != "DATABASE_URL"
    }
    env.update({f"KONTAKT_{name}_PORT": str(port) for name, port in ports.items()})
    env["KONTAKT_DATA_DIR"] = str(data_dir)
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        assert make.stdout is not None
        deadline = time.monotonic() + 180
        for line in make.stdout:
            output.append(line)
            if "Press Ctrl-C to stop." in line or time.monotonic() > deadline:
                break
        printed = "".join(output)
        directory_url = f"http://127.0.0.1:{ports['DIRECTORY']}"
        assert directory_url in printed, printed
        assert f"http://127.0.0.1:{ports['MAILSINK_WEB']}" in printed
        assert get_json(f"{directory_url}/readyz") == {"status": "ready"}
        vcard_url = f"http://127.0.0.1:{ports['VCARD']}"
        assert vcard_url in printed
        assert get_json(f"{vcard_url}/readyz") == {"status": "ready"}
        contacts = get_json(f"{directory_url}/v1/networks/for-in/contacts?member=lt")
        assert isinstance(contacts, dict)
        assert [c["family_name"] for c in contacts["items"]] == ["Gintautaitė", "Kisevičienė"]
        assert related(data_dir, make.pid), "nothing seems to run"
        example_url = f"http://127.0.0.1:{ports['EXAMPLE']}/"
        with urllib.request.urlopen(example_url, timeout=10) as page:
            example = page.read().decode()
        assert "<kontakt-contacts" in example
        assert "/embed/for-in" in example
        assert "kontakt-reveal-link" in example  # the fragment, included server-side
        # The demo lists the example site as its embedder: its pages may read and reveal.
        widget = urllib.request.Request(  # noqa: S310 (a localhost URL we built)
            f"{directory_url}/v1/widget/for-in", headers={"Origin": example_url.rstrip("/")}
        )
        with urllib.request.urlopen(widget, timeout=10) as answer:  # noqa: S310
            assert answer.headers["Access-Control-Allow-Origin"] == example_url.rstrip("/")
        # The console is up, and the demo admin's printed token signs in to it.
        console_url = f"http://127.0.0.1:{ports['CONSOLE']}"
        assert console_url in printed
        token = (data_dir / "admin-token").read_text().strip()
        assert token in printed
        form = urllib.parse.urlencode({"token": token, "lang": "et"}).encode()
        request = urllib.request.Request(  # noqa: S310 (a localhost URL we built)
            f"{console_url}/signin", data=form, method="POST"
        )
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(request, timeout=10) as signed_in:
            assert "Kontaktid" in signed_in.read().decode()
    finally:
        make.send_signal(signal.SIGTERM)
        make.wait(timeout=60)
        for held in reserved.values():
            held.sock.close()
    deadline = time.monotonic() + 30
    while related(data_dir, make.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [(p.pid, p.info["cmdline"]) for p in related(data_dir, make.pid)]
    assert left == [], f"processes left behind: {left}"


async def test_mail_sink_keeps_messages_with_diacritics(tmp_path: Path) -> None:
    sink = Sink(tmp_path / "mail")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, enable_SMTPUTF8=True), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        message = email.message.EmailMessage()
        message["From"] = "Daina Mežecka <daina@example.lv>"
        message["To"] = "Lina Kisevičienė <lina@example.lt>"
        message["Subject"] = "Sveiki, Jõemets!"
        message.set_content("Labdien — tere — sveiki.")
        await aiosmtplib.send(message, hostname="127.0.0.1", port=port)
    finally:
        server.close()
    assert len(sink.messages) == 1
    assert (tmp_path / "mail" / "000001.eml").exists()
    async with TestClient(TestServer(sink_app(sink))) as client:
        page = await (await client.get("/")).text()
        assert "Sveiki, Jõemets!" in page
        listing = await (await client.get("/messages")).json()
        assert listing[0]["from"] == "Daina Mežecka <daina@example.lv>"
        assert listing[0]["text"].strip() == "Labdien — tere — sveiki."


def test_compose_file_names_every_service_with_healthchecks() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    running = {p.parent.name for p in (ROOT / "services").glob("*/__main__.py")}
    assert running <= set(services)
    assert {"postgres", "mailpit"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, name
    # The migration step runs to completion first; services only wait for the schema.
    assert services["migrate"]["command"] == ["kontakt", "migrate"]
    for name in ("directory", "mailing"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["environment"]["KONTAKT_MIGRATE"] == "false"
        # Links in mail: required, so never http://0.0.0.0:8082.
        assert ":?" in services[name]["environment"]["KONTAKT_PUBLIC_MAILING_URL"]
    for name in running:
        depends = services[name]["depends_on"]
        # Every service keeps something in PostgreSQL (the console: its sessions and its outbox).
        assert depends["postgres"]["condition"] == "service_healthy"
        if (ROOT / "services" / name / "migrations").is_dir():
            assert depends["migrate"] == {"condition": "service_completed_successfully"}
            assert services[name]["environment"]["KONTAKT_MIGRATE"] == "false"
        env = services[name]["environment"]
        assert ":?" in env["KONTAKT_SERVICE_TOKEN"]  # required, no default secret
        assert ":?" in env["KONTAKT_SECRET_KEY"]
