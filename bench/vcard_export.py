"""Bulk vCard export: our writer against vobject building and serialising the same cards."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import vobject

from services.vcard.cards import Card, card_from_contact
from services.vcard.render import vcard
from shared.payloads import Contact

NETWORKS = {"ee": {"en": "Estonia", "et": "Eesti"}, "lt": {"en": "Lithuania", "lt": "Lietuva"}}


def contacts(count: int) -> Iterator[Contact]:
    """Directory-shaped contacts with Baltic names, made on the fly (nothing held in memory)."""
    for i in range(count):
        yield {
            "id": i,
            "uid": f"00000000-0000-4000-8000-{i:012d}",
            "given_name": "Žydrūnė",
            "family_name": f"Kisevičienė-{i}",
            "display_name": f"Žydrūnė Kisevičienė-{i}",
            "title": "Adviser on Social Welfare, Civil Society",
            "titles": {"en": "Adviser on Social Welfare, Civil Society", "et": "Nõunik"},
            "organisation": {
                "slug": "norden-lt",
                "name": "Nordic Council of Ministers Office in Lithuania",
                "names": {"en": "Nordic Council of Ministers Office in Lithuania"},
                "country": "LT",
                "website": None,
            },
            "phones": [
                {
                    "e164": "+37068527738",
                    "kind": "cell",
                    "written": "+370 685 27738",
                    "extension": None,
                },
                {
                    "e164": "+3727423625",
                    "kind": "work",
                    "written": "+372 7423 625",
                    "extension": None,
                },
            ],
            "links": [{"url": "https://example.lt/", "label": None}],
            "networks": [{"network": "lt", "role": "member"}],
            "has_email": True,
            "emails": [f"person{i}@example.lt"],
            "position": i,
            "published": True,
            "revision": 1,
            "updated_at": "2026-11-25T12:00:00+00:00",
        }


def ours(count: int, sink: io.BytesIO | None = None) -> int:
    """Stream `count` cards through our writer; returns bytes written."""
    written = 0
    for contact in contacts(count):
        card = card_from_contact(contact, "en", NETWORKS, contact["emails"])
        data = vcard(card).encode("utf-8")
        written += len(data)
        if sink is not None:
            sink.write(data)
    return written


def with_vobject(count: int) -> int:
    """The same cards, built and serialised by vobject."""
    written = 0
    for contact in contacts(count):
        card: Card = card_from_contact(contact, "en", NETWORKS, contact["emails"])
        v = vobject.vCard()
        v.add("n").value = vobject.vcard.Name(family=card.family, given=card.given)
        v.add("fn").value = card.display
        if card.organisation:
            v.add("org").value = [card.organisation]
        if card.title:
            v.add("title").value = card.title
        for phone in card.phones:
            tel = v.add("tel")
            tel.value = phone.text
            tel.type_param = phone.kind.upper()
        for address in card.emails:
            v.add("email").value = address
        for url in card.urls:
            v.add("url").value = url
        v.add("uid").value = f"urn:uuid:{card.uid}"
        v.add("categories").value = list(card.categories)
        v.add("rev").value = card.revision.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        written += len(v.serialize().encode("utf-8"))
    return written


def rate(function: Any, count: int) -> float:
    """Cards per second."""
    started = time.perf_counter()
    function(count)
    return count / (time.perf_counter() - started)


def peak_mib(count: int) -> float:
    """Peak traced memory while streaming `count` cards out (to a discarding sink)."""
    tracemalloc.start()
    ours(count)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def run(count: int = 10_000) -> list[dict[str, Any]]:
    """The benchmark rows."""
    ours_rate = rate(ours, count)
    vobject_rate = rate(with_vobject, count)
    return [
        {
            "benchmark": f"vCard bulk export, {count} cards: Kontakt writer",
            "cards_per_s": round(ours_rate),
            "ratio_to_baseline": round(ours_rate / vobject_rate, 1),
        },
        {
            "benchmark": f"vCard bulk export, {count} cards: vobject (baseline)",
            "cards_per_s": round(vobject_rate),
            "ratio_to_baseline": 1.0,
        },
        {
            "benchmark": "vCard streaming peak memory, 10,000 cards",
            "peak_mib": round(peak_mib(10_000), 2),
        },
        {
            "benchmark": "vCard streaming peak memory, 100,000 cards",
            "peak_mib": round(peak_mib(100_000), 2),
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
