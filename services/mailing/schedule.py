"""When a scheduled campaign goes: one instant, from an offset or an IANA time zone.

`at` is an ISO 8601 local time with an offset (`2026-12-01T09:00+02:00`), with a zone in the
RFC 9557 suffix (`2026-12-01T09:00[Europe/Riga]`), or without either and a `zone` beside
it. With a zone, an offset must agree with it on that day (RFC 9557 calls a disagreement
inconsistent), and a local time the clocks skip is refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.errors import FieldError, ValidationFailed

SUFFIX = re.compile(r"^(?P<local>[^\[\]]+)\[!?(?P<zone>[A-Za-z0-9_+\-/]+)\]$")
EXAMPLE = "e.g. 2026-12-01T09:00[Europe/Riga]"


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, message)])


def _zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _refuse(field, f"{name!r} is not an IANA time zone") from exc


def instant(at: object, zone: object = None, *, now: datetime | None = None) -> datetime:
    """The instant `at` (and `zone`) name, in the zone or offset given.

    Raises ValidationFailed naming `at` (or `zone`) when it names no instant, or a past one.
    """
    if not isinstance(at, str) or not at.strip():
        raise _refuse("at", f"must be a time, {EXAMPLE}")
    if zone is not None and not isinstance(zone, str):
        raise _refuse("zone", "must be an IANA zone name, e.g. Europe/Riga")
    text, named = at.strip(), zone
    suffix = SUFFIX.match(text)
    if suffix:
        text = suffix["local"]
        if named and named != suffix["zone"]:
            raise _refuse("zone", f"differs from the zone in `at` ({suffix['zone']})")
        named = suffix["zone"]
    try:
        local = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _refuse("at", f"must be an ISO 8601 time, {EXAMPLE}") from exc
    if named:
        tz = _zone(named, "zone" if zone and not suffix else "at")
        wall = local.replace(tzinfo=None)
        placed = wall.replace(tzinfo=tz)
        if placed.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
            shown = wall.isoformat(timespec="minutes")
            raise _refuse("at", f"{shown} does not exist in {named} (the clocks skip it)")
        if local.tzinfo is not None and local.utcoffset() != placed.utcoffset():
            shown = placed.isoformat(timespec="minutes")
            raise _refuse("at", f"its offset does not match {named} on that day ({shown})")
        local = placed
    elif local.tzinfo is None:
        raise _refuse("at", "must name its time zone: an offset (+02:00) or a zone, " + EXAMPLE)
    if local <= (now or datetime.now(UTC)):
        shown = local.isoformat(timespec="minutes")
        raise _refuse("at", f"is in the past ({shown}); choose a later time")
    return local
