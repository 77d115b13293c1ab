"""A child process given its listening socket as systemd gives it (socket activation).

The socket is bound here at port 0 (`Reserved`), so its port is known and ours before the child
starts; `activated` wraps the child's command in this file, run as a script, which puts the
socket on descriptor 3 and sets LISTEN_FDS=1 and LISTEN_PID to its own pid before it execs the
command (sd_listen_fds(3); the pid is only known in the child, as systemd sets it after fork).
Our services (shared.process.activated_socket), PgBouncer and Dovecot take it.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # run as a script, this file imports nothing of the tests
    from tests.support.ports import Reserved

# sd_listen_fds(3): the first passed socket is descriptor 3.
FIRST = 3


def activated(reserved: Reserved, argv: list[str]) -> tuple[list[str], tuple[int, ...]]:
    """`argv` wrapped to receive `reserved`'s socket, listening; and the `pass_fds` to give.

    The caller closes its copy (`reserved.sock.close()`) once the child started, so the port
    refuses connections again when the child's listener closes.
    """
    reserved.sock.listen(128)  # systemd passes sockets already listening
    fd = reserved.sock.fileno()
    return [sys.executable, "-I", "-S", __file__, str(fd), *argv], (fd,)


def main() -> None:
    """`python activation.py FD COMMAND...`: FD becomes descriptor 3, then COMMAND runs."""
    fd, argv = int(sys.argv[1]), sys.argv[2:]
    if fd != FIRST:
        os.dup2(fd, FIRST)
        os.close(fd)
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.execvp(argv[0], argv)  # noqa: S606 (the test's own command)


if __name__ == "__main__":
    main()
