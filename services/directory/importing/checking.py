"""Rows' fields checked in worker processes while the importing process reads and writes.

Checking a contact is pure CPU (phonenumbers reads every number, email-validator every
address) and is most of an import's work, so a chunk is checked in a worker process while
the directory reads the next chunk and writes the one before. One pool per process, made on
first use with `KONTAKT_IMPORT_WORKERS` processes (0: check in the importing process).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from services.directory.importing.collector import settle_worker
from services.directory.validation import ContactIn, contact_in
from shared.errors import FieldError, ValidationFailed

Checked = ContactIn | list[FieldError]
# (the row's fields in the API's shape, the region of its national numbers)
Item = tuple[dict[str, Any], str | None]

_pool: ProcessPoolExecutor | None = None


def check_rows(items: list[Item], check_deliverability: bool) -> list[Checked]:
    """Each row as a contact, or the fields at fault; unreadable numbers kept as written."""
    found: list[Checked] = []
    for data, region in items:
        try:
            contact = contact_in(
                data,
                check_deliverability=check_deliverability,
                region=region,
                keep_unreadable=True,
            )
        except ValidationFailed as exc:
            found.append(exc.errors)
        else:
            found.append(contact)
    return found


def _executor(workers: int) -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # forkserver: workers never inherit the event loop or open sockets of this process.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["services.directory.importing.checking"])
        _pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=settle_worker
        )
    return _pool


def start_checking(
    items: list[Item], check_deliverability: bool, workers: int
) -> asyncio.Future[list[Checked]]:
    """The rows' check, under way (in a worker when there are workers) until awaited."""
    loop = asyncio.get_running_loop()
    if workers <= 0 or not items:
        done: asyncio.Future[list[Checked]] = loop.create_future()
        done.set_result(check_rows(items, check_deliverability))
        return done
    return loop.run_in_executor(_executor(workers), check_rows, items, check_deliverability)
