"""Discovery and sync as iOS, DAVx⁵ and Thunderbird send them, replayed from our fixtures."""

from __future__ import annotations

import pytest

from tests.support.replay import Replay, load, run
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

# fixture, address book, the contact edited between the two syncs, the cards in the book
CASES = [
    ("ios.yaml", "for-in", "Zibas", 12),
    ("davx5.yaml", "ee", "Kanarbik", 5),
    ("thunderbird.yaml", "lv", "Sebre", 4),
]


@pytest.mark.parametrize(("name", "book", "edited", "size"), CASES)
async def test_a_client_discovers_syncs_and_hears_of_an_edit(
    services: Pair, admin_token: str, name: str, book: str, edited: str, size: int
) -> None:
    listing = await services.directory.get("/v1/networks/for-in/contacts?limit=200")
    contact = next(c for c in listing.json["items"] if c["family_name"] == edited)

    async def edit(_: str) -> None:
        answer = await services.directory.as_(admin_token).patch(
            f"/v1/contacts/{contact['id']}", json={"titles": {"en": f"Edited for {name}"}}
        )
        assert answer.status == 200

    fixture = load(name)
    replay = await run(Replay(services.vcard.client), fixture, edit)
    assert f"/dav/addressbooks/{book}/" in replay.values["books"]
    held = replay.cards()
    assert len(held) == size
    card = held[f"/dav/addressbooks/{book}/{contact['uid']}.vcf"]
    assert f"TITLE;LANGUAGE=en:Edited for {name}" in card
    assert not any("EMAIL" in text for text in held.values())
    if "ctag" in replay.values:
        assert replay.values["ctag"] != replay.values["new_ctag"]
    if name == "davx5.yaml":
        assert all("VERSION:4.0" in text for text in held.values())
        assert replay.values["fetch"] == []  # the last sync had nothing new
