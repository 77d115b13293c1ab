"""Rows checked in a worker process come back whole (ContactIn pickles as one tuple)."""

from __future__ import annotations

import dataclasses
import pickle

from services.directory.importing.checking import check_rows, start_checking
from services.directory.validation import ContactIn

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
