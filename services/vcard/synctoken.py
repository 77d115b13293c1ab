"""CardDAV sync tokens: a URI naming the caller's view and the directory's own token.

`urn:kontakt:sync:VIEW:TOKEN`, both parts base64url. The view is part of the token, so
the anonymous and the full view never mix; the directory's part is checked by the
directory, which refuses anything it did not issue (RFC 6578 §3.2: 403 valid-sync-token).
"""

from __future__ import annotations

import base64
import binascii
import re

from services.vcard.access import View

PREFIX = "urn:kontakt:sync:"
# A real snapshot lists at most one in-progress transaction per connection: 4,000 characters
# leave room for hundreds, and keep the directory's request line short.
SHAPE = re.compile(r"^urn:kontakt:sync:([A-Za-z0-9_-]{1,400}):([A-Za-z0-9_-]{1,4000})$")


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def sync_token(view: View, directory_token: str) -> str:
    """The sync-token URI for a view at a directory token."""
    return f"{PREFIX}{_encode(view.key)}:{_encode(directory_token)}"


def directory_token(view: View, token: str) -> str | None:
    """The directory's token inside a sync token of this view, or None when it is not one."""
    found = SHAPE.match(token.strip())
    if found is None:
        return None
    try:
        if _decode(found[1]) != view.key:
            return None
        return _decode(found[2])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
