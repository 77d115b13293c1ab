"""`python -m devstack.child MODULE`: run a module as `__main__`, stopping when the parent dies.

`make run` starts every service through this, so a stack killed with SIGKILL leaves no
service behind; the services themselves know nothing of it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import runpy
import signal
import sys
import threading
import time

log = logging.getLogger("kontakt.devstack")

POLL = 0.5
# The stack's pid, given by the stack: a child that starts after the stack died still notices.
PARENT_ENV = "DEVSTACK_PARENT"


def _terminate_when_orphaned(parent: int) -> None:
    """SIGTERM this process once its parent is gone (the service then stops as usual)."""
    while os.getppid() == parent:
        time.sleep(POLL)
    os.kill(os.getpid(), signal.SIGTERM)


async def watch_parent(stop: asyncio.Event) -> None:
    """Set `stop` when the process that started this one is gone, however it died."""
    parent = os.getppid()
    while not stop.is_set():
        await asyncio.sleep(POLL)
        if os.getppid() != parent:
            log.warning("parent process is gone; stopping")
            stop.set()


def main(argv: list[str]) -> None:
    """Watch the parent from a daemon thread, then run `argv[0]` as `python -m` would."""
    if len(argv) != 1:
        sys.exit("usage: python -m devstack.child MODULE")
    parent = int(os.environ.get(PARENT_ENV) or os.getppid())
    threading.Thread(target=_terminate_when_orphaned, args=(parent,), daemon=True).start()
    sys.argv = [argv[0]]
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
