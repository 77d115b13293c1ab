"""Time zones for the schedule picker: each network's own, from its country (IANA zone.tab)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.resources import files


@functools.cache
def _by_country() -> dict[str, str]:
    """ISO 3166 country code -> its first zone in the tz database's zone.tab."""
    found: dict[str, str] = {}
    table = files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _, zone = line.split("\t")[:3]
            found.setdefault(code, zone)
    return found


def zone_of(country: str | None) -> str:
    """The zone a network in `country` thinks in (UTC when the country is not known)."""
    return _by_country().get((country or "").upper(), "UTC")


def choices(first: str, countries: Iterable[str | None]) -> list[str]:
    """`first`, then the zones of the other networks' countries, then UTC: each once."""
    zones = [first, *(zone_of(c) for c in countries), "UTC"]
    return list(dict.fromkeys(zones))
