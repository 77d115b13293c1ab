"""Time zones for the schedule picker: each network's own, from its country (IANA zone.tab)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


@dataclass(frozen=True, slots=True)
class WallTime:
    """What a date and time typed in a zone name: one instant, two (the clocks go back: the
    first and the second, their UTC offsets as +03:00), or none (the clocks skip it: `later`
    is the same time an hour on, which exists)."""

    instants: tuple[datetime, ...]
    later: datetime | None = None


def offset_of(moment: datetime) -> str:
    """`moment`'s UTC offset as ISO 8601 writes it: +03:00."""
    return moment.isoformat(timespec="minutes")[-6:]


def wall_time(date: str, time: str, zone: str) -> WallTime | None:
    """The instants `date` (YYYY-MM-DD) at `time` (HH:MM) in IANA `zone` names; None when the
    date, time or zone cannot be read (the mailing service then says why)."""
    try:
        wall = datetime.fromisoformat(f"{date}T{time}")
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    if wall.tzinfo is not None:
        return None
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        # In the gap: fold=0 reads it with the offset before the jump, so it lands after it.
        return WallTime((), first.astimezone(UTC).astimezone(tz))
    if first.utcoffset() != second.utcoffset():
        return WallTime((first, second))
    return WallTime((first,))
