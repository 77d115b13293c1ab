"""Keyset paging of contact listings: page sizes and the opaque cursor of `next`."""

from __future__ import annotations

import base64
import binascii

from shared.errors import FieldError, ValidationFailed

DEFAULT_LIMIT = 50


MAX_LIMIT = 200


# Another Kontakt service (the vcard service keeping an address book, for anyone or with its
# caller's token) reads a book in one go; anonymous callers page.
SERVICE_MAX_LIMIT = 20_000


# `?uid=` at most this often: 100 UIDs keep the request line well under 8 KiB.
MAX_UIDS = 100


def encode_cursor(position: int, contact_id: int) -> str:
    """An opaque keyset cursor."""
    return base64.urlsafe_b64encode(f"{position}:{contact_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    """The (position, id) a cursor stands for, or a 422 on `after`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        position, contact_id = raw.split(":")
        return int(position), int(contact_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed([FieldError("after", "is not a cursor this API gave out")]) from exc
