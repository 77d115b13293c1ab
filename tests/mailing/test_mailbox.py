"""Returned mail from a hosted mailbox: Debian's Dovecot serves IMAP, the service polls it."""

from __future__ import annotations

import asyncio
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from services.mailing.returns.mailbox import Mailbox
from tests.conftest import MakeAccount
from tests.mailing import returns_corpus as corpus
from tests.support.activation import activated
from tests.support.dns import threads_in
from tests.support.imap import QuietImap
from tests.support.mailing import StartMailing
from tests.support.observe import until
from tests.support.ports import Reserved
from tests.support.returns import about, campaign_sent, states, suppressed

pytestmark = pytest.mark.usefixtures("demo")
USER, PASSWORD = "bounces@example.ee", "mailbox-secret"


@pytest.fixture
def dovecot() -> Iterator[int]:
    """A Dovecot IMAP server of the test's own, one mailbox; its port."""
    folder = Path(tempfile.mkdtemp(prefix="kontakt-dovecot-"))
    folder.chmod(0o755)  # Dovecot's processes run as another user and must reach the mail
    # Dovecot refuses to keep mail as root; when the tests run as root, its own user keeps it.
    owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.getuid())
    (folder / "home").mkdir()
    os.chown(folder / "home", owner.pw_uid, owner.pw_gid)
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    # Dovecot takes the socket systemd passes for a listener's address (socket activation):
    # bound here at port 0, the port is ours before it starts.
    listener = Reserved()
    port = listener.port
    (folder / "dovecot.conf").write_text(
        f"base_dir = {folder}/run\nstate_dir = {folder}/state\nlog_path = {folder}/log\n"
        "ssl = no\nlisten = 127.0.0.1\nprotocols = imap\ndisable_plaintext_auth = no\n"
        "first_valid_uid = 1\nfirst_valid_gid = 1\n"
        f"mail_location = maildir:{folder}/home/%n/Maildir\n"
        f"passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {folder}/passwd\n}}\n"
        "userdb {\n  driver = static\n"
        f"  args = uid={owner.pw_uid} gid={owner.pw_gid} home={folder}/home/%n\n}}\n"
        "service imap-login {\n  chroot =\n"
        f"  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n"
        "  inet_listener imaps {\n    port = 0\n  }\n}\n"
        "service anvil {\n  chroot =\n}\n"
    )
    argv, fds = activated(listener, ["dovecot", "-F", "-c", str(folder / "dovecot.conf")])
    process = subprocess.Popen(argv, start_new_session=True, pass_fds=fds)
    listener.sock.close()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
                break
            except OSError:
                assert process.poll() is None, "Dovecot stopped"
                assert time.monotonic() < deadline, "Dovecot did not listen"
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
        shutil.rmtree(folder, ignore_errors=True)


def append(port: int, raw: bytes) -> None:
    """Put a message into the mailbox, as the provider's MTA would."""
    client = imaplib.IMAP4("127.0.0.1", port)
    try:
        client.login(USER, PASSWORD)
        typ, _ = client.append("INBOX", None, None, raw)
        assert typ == "OK"
    finally:
        client.logout()


async def test_reports_in_a_hosted_mailbox_are_polled_and_removed(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection, dovecot: int
) -> None:
    url = f"imap://bounces%40example.ee:{PASSWORD}@127.0.0.1:{dovecot}/INBOX"
    _, sent, _ = await campaign_sent(
        start_mailing, make_account, conn, imap_url=url, imap_interval=0.2
    )
    gone, angry = sent["global@example.ee"], sent["fbl@example.ee"]
    # The provider wrote where each message came to: plus addressing into one mailbox.
    bounce = about(corpus.postfix("5.1.1", "550 5.1.1 User unknown"), gone, "global@example.ee")
    append(dovecot, f"Delivered-To: {gone.envelope}\r\n".encode() + bounce)
    append(dovecot, about(corpus.arf("abuse"), angry, "fbl@example.ee"))
    append(dovecot, corpus.OUT_OF_OFFICE)
    append(dovecot, corpus.PLAIN_REPLY)  # a person's reply to the bounce address
    deadline = time.monotonic() + 30
    while len(await suppressed(conn)) < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    assert await suppressed(conn) == {
        "global@example.ee": "hard-bounce",
        "fbl@example.ee": "complaint",
    }
    assert (await states(conn))["fbl@example.ee"] == "complained"
    intakes = await conn.fetch("SELECT DISTINCT intake FROM mailing.return_events")
    assert [r["intake"] for r in intakes] == ["imap"]
    # Everything about Kontakt's mail left the mailbox, the auto-reply too; the person's
    # reply stays, read, for a person to answer.
    mailbox = Mailbox.from_url(url)
    while mailbox.fetch(5) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    assert mailbox.fetch(5) == []
    with mailbox.session(5) as client:
        typ, data = client.uid("SEARCH", "ALL")
        assert typ == "OK"
        assert len(data[0].split()) == 1
        typ, parts = client.uid("FETCH", data[0].decode(), "(FLAGS BODY.PEEK[])")
    kept = next(p for p in parts if isinstance(p, tuple))
    assert b"\\Seen" in kept[0]
    assert kept[1].endswith(b"Thanks for the news!\r\n")


@pytest.mark.parametrize(
    ("scheme", "trickle"),
    [("imap", None), ("imaps", None), ("imap", 0.2)],
    ids=["silent", "silent-tls-handshake", "trickling"],
)
async def test_stopping_hangs_up_on_a_mailbox_that_never_answers(
    start_mailing: StartMailing, scheme: str, trickle: float | None
) -> None:
    """The service stops at once while its poll waits on the mailbox, and the poll's thread
    is gone: nothing is left for the process to wait for at exit.

    Before, the stop waited for the poll (30 s) and left its thread blocked in imaplib until
    the socket's timeout (here a minute), or for ever when the server trickles a byte at a
    time within it.
    """
    quiet = QuietImap(trickle)
    port = await quiet.start()
    mailing = await start_mailing(
        mailing_worker=False,
        imap_url=f"{scheme}://bounces%40example.ee:secret@127.0.0.1:{port}/INBOX",
        imap_interval=0.1,
        http_timeout=30,  # a read times out after a minute: never during the test
    )
    try:
        await until(lambda: quiet.accepted >= 1 and bool(threads_in("imaplib.py")))
        if trickle is not None:
            await until(lambda: quiet.sent >= 3)  # the greeting has begun, and goes on
        polling = [t for t in threading.enumerate() if t.name.startswith("kontakt-imap")]
        assert polling
        started = time.monotonic()
        await mailing.api.client.close()
        took = time.monotonic() - started
    finally:
        quiet.release()
    assert took < 5, f"stopping took {took:.1f} s"
    assert not [t.name for t in polling if t.is_alive()]
    assert quiet.accepted == 1


async def test_a_mailbox_that_trickles_is_hung_up_when_a_read_outlasts_the_timeout(
    start_mailing: StartMailing,
) -> None:
    """A byte every 0.2 s never reaches the socket's timeout (5 s a recv); the read's own
    deadline (5 s for the whole greeting) hangs up and the next poll connects again.

    Before, one trickling connection held the poll for as long as the server kept it up.
    """
    quiet = QuietImap(trickle=0.2)
    port = await quiet.start()
    await start_mailing(
        mailing_worker=False,
        imap_url=f"imap://bounces%40example.ee:secret@127.0.0.1:{port}/INBOX",
        imap_interval=0.1,
        http_timeout=2.5,
    )
    try:
        await until(lambda: quiet.accepted >= 2, within=60)
    finally:
        quiet.release()
    # The first connection was still being fed when it was hung up: a read's deadline, not
    # its socket's timeout, ended it.
    assert quiet.sent >= 5
