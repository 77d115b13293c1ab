"""A private instance of Debian's Postfix, as a test's own MTA: its own configuration, queue,
log and port, started with `postfix -c DIR start` and stopped with the test.

Postfix's master runs only as root (it starts its daemons as the `postfix` user), so the
tests that use it need root, as `.ci/run` has.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import postfix
from tests.support.ports import Reserved

# The daemons a small MTA needs (master.cf(5)), none chrooted: the queue is a temporary folder.
SERVICES = """\
pickup    unix  n  -  n  60  1  pickup
cleanup   unix  n  -  n  -   0  cleanup
qmgr      unix  n  -  n  300 1  qmgr
rewrite   unix  -  -  n  -   -  trivial-rewrite
bounce    unix  -  -  n  -   0  bounce
defer     unix  -  -  n  -   0  bounce
trace     unix  -  -  n  -   0  bounce
verify    unix  -  -  n  -   1  verify
flush     unix  n  -  n  1000? 0 flush
proxymap  unix  -  -  n  -   -  proxymap
proxywrite unix -  -  n  -   1  proxymap
smtp      unix  -  -  n  -   -  smtp
relay     unix  -  -  n  -   -  smtp
showq     unix  n  -  n  -   -  showq
error     unix  -  -  n  -   -  error
retry     unix  -  -  n  -   -  error
discard   unix  -  -  n  -   -  discard
lmtp      unix  -  -  n  -   -  lmtp
anvil     unix  -  -  n  -   1  anvil
scache    unix  -  -  n  -   1  scache
postlog   unix-dgram n - n - 1  postlogd
"""


@dataclass
class Mta:
    """A running Postfix: the port its smtpd listens on, and its own log."""

    port: int
    folder: Path

    def log(self) -> str:
        """Everything Postfix logged so far."""
        path = self.folder / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""


def _postfix(folder: Path, command: str, *, check: bool = True) -> None:
    subprocess.run(
        ["postfix", "-c", str(folder / "etc"), command],
        check=check,
        capture_output=True,
        timeout=60,
    )


def _configure(main_cf: str, transport: str, port: int) -> Path:
    """A folder with main.cf, master.cf and the compiled transport table; smtpd on `port`."""
    folder = Path(tempfile.mkdtemp(prefix="kontakt-postfix-"))
    folder.chmod(0o755)  # the daemons run as the postfix user and must reach the queue
    for name in ("etc", "spool", "data"):
        (folder / name).mkdir()
    owner = pwd.getpwnam("postfix")
    os.chown(folder / "data", owner.pw_uid, owner.pw_gid)
    (folder / "etc" / "main.cf").write_text(
        "compatibility_level = 3.6\n"
        f"queue_directory = {folder}/spool\n"
        f"data_directory = {folder}/data\n"
        f"maillog_file = {folder}/maillog\n"
        f"maillog_file_prefixes = {folder}\n"
        "myhostname = mx.kontakt.test\n"
        "mydestination =\n"
        "alias_maps =\nalias_database =\nlocal_recipient_maps =\n"
        "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\nmynetworks = 127.0.0.0/8\n"
        "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
        # No DNS here: every next hop is an address.
        "smtp_dns_support_level = disabled\nlmtp_dns_support_level = disabled\n"
        "smtputf8_enable = yes\nbiff = no\n"
        # A test's clock: retry at once.
        "queue_run_delay = 1s\nminimal_backoff_time = 1s\nmaximal_backoff_time = 2s\n" + main_cf
    )
    (folder / "etc" / "master.cf").write_text(f"127.0.0.1:{port} inet n - n - - smtpd\n" + SERVICES)
    (folder / "etc" / "transport").write_text(transport)
    subprocess.run(
        ["postmap", "-c", str(folder / "etc"), f"hash:{folder}/etc/transport"],
        check=True,
        capture_output=True,
    )
    return folder


@asynccontextmanager
async def postfix_mta(main_cf: str, transport: str) -> AsyncIterator[Mta]:
    """Postfix with `main_cf` added to a private base and `transport` as a hash table.

    `transport` is written as `/etc/postfix/transport` would be and compiled with postmap;
    `main_cf` refers to it as `hash:$config_directory/transport`.
    """
    assert os.geteuid() == 0, "Postfix's master runs only as root (as .ci/run does)"
    assert postfix.tool("postfix"), "Debian's postfix is installed by .ci/run"
    # Postfix's master binds its own addresses (it takes no passed socket): smtpd binds our
    # reserved port beside our socket (both SO_REUSEADDR, ours never listens), and while ours
    # is open the system gives that port to no one else.
    reserved = Reserved()
    folder = await asyncio.to_thread(_configure, main_cf, transport, reserved.port)
    try:
        await asyncio.to_thread(_postfix, folder, "start")
        await postfix.listening(reserved.port)
        yield Mta(reserved.port, folder)
    finally:
        await asyncio.to_thread(_postfix, folder, "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)
        reserved.sock.close()
