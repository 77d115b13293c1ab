"""When a scheduled campaign goes: one instant, from an offset or an IANA time zone.

`at` is an ISO 8601 local time with an offset (`2026-12-01T09:00+02:00`), with a zone in the
RFC 9557 suffix (`2026-12-01T09:00[Europe/Riga]`), or without either and a `zone` beside
it. With a zone, an offset must agree with it on that day (RFC 9557 calls a disagreement
inconsistent), a local time the clocks skip is refused rather than guessed, and so is one
they pass twice (going back) unless its offset says which.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.errors import FieldError, ValidationFailed

SUFFIX = re.compile(r"^(?P<local>[^\[\]]+)\[!?(?P<zone>[A-Za-z0-9_+\-/]+)\]$")
# What a refusal shows as a time to write (not a text to translate: the format itself).
EXAMPLE = "2026-12-01T09:00[Europe/Riga]"


def _refuse(error: FieldError) -> ValidationFailed:
    """A refusal of one field; its message is a msgid, said in the reader's language."""
    return ValidationFailed([error])


def _zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _refuse(
            FieldError(field, "'%(value)s' is not an IANA time zone", {"value": name})
        ) from exc


def instant(at: object, zone: object = None, *, now: datetime | None = None) -> datetime:
    """The instant `at` (and `zone`) name, in the zone or offset given.

    Raises ValidationFailed naming `at` (or `zone`) when it names no instant, or a past one.
    """
    example = {"example": EXAMPLE}
    if not isinstance(at, str) or not at.strip():
        raise _refuse(FieldError("at", "must be a time, e.g. %(example)s", example))
    if zone is not None and not isinstance(zone, str):
        raise _refuse(FieldError("zone", "must be an IANA zone name, e.g. Europe/Riga"))
    text, named = at.strip(), zone
    suffix = SUFFIX.match(text)
    if suffix:
        text = suffix["local"]
        if named and named != suffix["zone"]:
            raise _refuse(
                FieldError(
                    "zone", "differs from the zone in `at` (%(zone)s)", {"zone": suffix["zone"]}
                )
            )
        named = suffix["zone"]
    try:
        local = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _refuse(
            FieldError("at", "must be an ISO 8601 time, e.g. %(example)s", example)
        ) from exc
    if named:
        tz = _zone(named, "zone" if zone and not suffix else "at")
        wall = local.replace(tzinfo=None)
        placed = wall.replace(tzinfo=tz)
        if placed.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
            later = placed.astimezone(UTC).astimezone(tz)
            shown = {"time": wall, "zone": named, "later": later}
            raise _refuse(
                FieldError(
                    "at",
                    "%(time)s does not exist in %(zone)s: the clocks go forward an hour then. "
                    "Choose another time, such as %(later)s",
                    shown,
                )
            )
        # When the clocks go back, a wall time happens twice: its offset says which.
        both = [wall.replace(tzinfo=tz, fold=fold) for fold in (0, 1)]
        if local.tzinfo is not None:
            matching = [b for b in both if b.utcoffset() == local.utcoffset()]
            if not matching:
                shown = {"time": placed, "zone": named}
                raise _refuse(
                    FieldError(
                        "at", "its offset does not match %(zone)s on that day (%(time)s)", shown
                    )
                )
            placed = matching[0]
        elif both[0].utcoffset() != both[1].utcoffset():
            # The two offsets (+03:00, +02:00): a written time would show the zone's name twice.
            first, second = (b.isoformat(timespec="minutes")[-6:] for b in both)
            shown = {"time": wall, "zone": named, "first": first, "second": second}
            raise _refuse(
                FieldError(
                    "at",
                    "%(time)s happens twice in %(zone)s: the clocks go back an hour then. Give "
                    "its offset: %(first)s is the first, %(second)s an hour later",
                    shown,
                )
            )
        local = placed
    elif local.tzinfo is None:
        raise _refuse(
            FieldError(
                "at",
                "must name its time zone: an offset (+02:00) or a zone, e.g. %(example)s",
                example,
            )
        )
    if local <= (now or datetime.now(UTC)):
        shown = {"time": local}
        raise _refuse(FieldError("at", "is in the past (%(time)s); choose a later time", shown))
    return local
