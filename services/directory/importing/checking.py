"""Rows' fields checked in worker processes while the importing process reads and writes.

Checking a contact is pure CPU (phonenumbers reads every number, email-validator every
address) and is most of an import's work, so a chunk is checked in a worker process while
the directory reads the next chunk and writes the one before. One pool per process, made on
first use with `KONTAKT_IMPORT_WORKERS` processes (0: check in the importing process).
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from services.directory.importing.collector import settle_worker
from services.directory.validation import ContactIn, contact_in
from shared.addresses import DNS_EXECUTOR
from shared.errors import FieldError, ValidationFailed

Checked = ContactIn | list[FieldError]
# (the row's fields in the API's shape, the region of its national numbers)
Item = tuple[dict[str, Any], str | None]

_pool: ProcessPoolExecutor | None = None


def check_rows(items: list[Item], check_deliverability: bool) -> list[Checked]:
    """Each row as a contact, or the fields at fault; unreadable numbers kept as written."""
    found: list[Checked] = []
    for data, region in items:
        found.append(_checked(data, region, check_deliverability))
    return found


def _checked(data: dict[str, Any], region: str | None, check_deliverability: bool) -> Checked:
    """The row as a contact; a phone that cannot be kept even as written (empty, longer than
    a number can be) is left out with a remark, never taking the row with it."""
    try:
        return contact_in(
            data, check_deliverability=check_deliverability, region=region, keep_unreadable=True
        )
    except ValidationFailed as exc:
        bad = {_phone_index(e.field) for e in exc.errors}
        phones = data.get("phones")
        if None in bad or not isinstance(phones, list):
            return exc.errors
        left = [i for i in range(len(phones)) if i not in bad]
        contact = _checked(
            dict(data, phones=[phones[i] for i in left]), region, check_deliverability
        )
        if isinstance(contact, ContactIn):
            # The remarks name each phone by its place in the row, as the row has them.
            contact.notes[:] = [_renumbered(note, left) for note in contact.notes]
            contact.notes.extend(exc.errors)
        return contact


def _renumbered(note: FieldError, left: list[int]) -> FieldError:
    index = _phone_index(note.field)
    if index is None:
        return note
    field = note.field.replace(f"phones[{index}]", f"phones[{left[index]}]", 1)
    return dataclasses.replace(note, field=field)


def _phone_index(field: str) -> int | None:
    """Which phone a field error is about (`phones[2].number`), None when it is no phone's."""
    found = re.match(r"phones\[(\d+)\]", field)
    return int(found.group(1)) if found else None


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
    if workers <= 0 and items and check_deliverability:
        # In this process, yet never on the loop: the DNS queries wait in the DNS threads.
        return loop.run_in_executor(DNS_EXECUTOR, check_rows, items, check_deliverability)
    if workers <= 0 or not items:
        done: asyncio.Future[list[Checked]] = loop.create_future()
        done.set_result(check_rows(items, check_deliverability))
        return done
    return loop.run_in_executor(_executor(workers), check_rows, items, check_deliverability)
