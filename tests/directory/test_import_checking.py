"""What an import costs in the directory's own process: rows checked in a worker come back
whole (ContactIn pickles as one tuple); the report is built under the import's collector."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import pickle
import sys

import pytest

from services.directory.importing import collector
from services.directory.importing.checking import check_rows, start_checking
from services.directory.importing.rows import Report
from services.directory.validation import ContactIn
from tests.support.api import Api
from tests.support.dns import held_dns_as_default, threads_asking_dns

ROW = {
    "given_name": "Žydrūnė",
    "family_name": "Kiseliūnienė",
    "display_name": "Ž. Kiseliūnienė",
    "titles": {"lt": "Direktorė", "en": "Director"},
    "organisation": "for-in",
    "position": 3,
    "published": False,
    # national, with an extension, unreadable (kept with a note), the first again (merged)
    "phones": ["8 612 34567", "+370 5 200 0009;ext=55", "ask the secretary", "+37061234567"],
    "emails": ["zydrune@example.lt"],
    "links": [{"url": "https://example.lt/zydrune", "label": "Homepage"}],
    "networks": [{"network": "lt", "role": "coordinator"}],
}


def _fields(contact: ContactIn) -> dict[str, object]:
    # `notes` is left out of ContactIn's equality: compared here too.
    return {f.name: getattr(contact, f.name) for f in dataclasses.fields(ContactIn)}


async def test_a_contact_checked_in_a_worker_comes_back_with_every_field() -> None:
    [here] = check_rows([(ROW, "LT")], check_deliverability=False)
    assert isinstance(here, ContactIn)
    assert here.notes
    assert len(here.phones) == 3
    [there] = await start_checking([(ROW, "LT")], check_deliverability=False, workers=1)
    assert isinstance(there, ContactIn)
    assert _fields(there) == _fields(here)
    assert _fields(pickle.loads(pickle.dumps(here))) == _fields(here)  # noqa: S301 (our own)
    assert len(here.__reduce__()[1]) == len(dataclasses.fields(ContactIn))


@pytest.mark.usefixtures("demo")
async def test_the_report_is_built_without_a_young_collection_every_700_containers(
    directory: Api, admin_token: str
) -> None:
    # The report holds a few containers a row until it is sent; built at the default
    # threshold, a 3,000-row report took dozens of collections over a growing heap.
    thresholds: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        frame = sys._getframe(1)
        while frame is not None and phase == "start":
            if frame.f_code is Report.as_json.__code__:
                thresholds.append(gc.get_threshold()[0])
                break
            frame = frame.f_back  # type: ignore[assignment]

    lines = ["given_name,family_name,emails"]
    lines += [f"Liis,Kask {i},liis.kask.{i}@example.ee" for i in range(3000)]
    gc.callbacks.append(watch)
    try:
        reply = await directory.as_(admin_token).post(
            "/v1/contacts/import?network=ee",
            data=("\r\n".join(lines) + "\r\n").encode(),
            headers={"Content-Type": "text/csv"},
        )
    finally:
        gc.callbacks.remove(watch)
    assert reply.status == 200, reply.text
    assert reply.json["created"] == 3000
    assert all(young >= collector.YOUNG for young in thresholds), thresholds


async def test_rows_checked_in_process_with_deliverability_wait_for_dns_off_the_loop() -> None:
    """IMPORT_WORKERS=0 with the deliverability check: the rows' DNS queries run in the DNS
    threads, so a slow resolver holds up the import, not the directory's event loop."""
    with held_dns_as_default() as dns:
        checking = start_checking([(ROW, "LT")], check_deliverability=True, workers=0)
        # Back at once, before any answer: the check did not run here, on the loop.
        assert not dns.answered.is_set(), "the rows were checked on the event loop"
        assert await asyncio.to_thread(dns.asked.wait, 30)
        assert all(name.startswith("kontakt-dns") for name in threads_asking_dns())
        assert not checking.done()
        dns.release.set()
        [checked] = await checking
    assert isinstance(checked, ContactIn)
    assert checked.emails == ["zydrune@example.lt"]
