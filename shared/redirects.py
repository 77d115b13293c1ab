"""Where a redirect may send a browser: only a path on the same site.

A `next=` or `back=` value is checked as a browser will read the `Location` it becomes
(the WHATWG URL standard): tabs and newlines are dropped anywhere, leading and trailing
spaces and control characters trimmed, and `\\` read as `/`. So `/\\t/evil.example`,
`/\\evil.example`, `//evil.example` and their percent-encoded forms all fall back to the
default, and so does anything with a scheme or a host.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from yarl import URL

_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
MAX_LENGTH = 2000


def _as_browser_reads(location: str) -> str:
    return _TAB_OR_NEWLINE.sub("", location).strip(_C0_OR_SPACE).replace("\\", "/")


def local_path(raw: object, default: str) -> str:
    """`raw` when it is a path on this site as a browser reads it, else `default`."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_LENGTH:
        return default
    try:
        sent = str(URL(raw))  # what aiohttp puts in `Location` (yarl drops tabs, for one)
    except ValueError:
        return default
    for form in (raw, sent):
        read = _as_browser_reads(form)
        for candidate in (read, _as_browser_reads(unquote(read))):
            if not candidate.startswith("/") or candidate.startswith("//"):
                return default
            parts = urlsplit(candidate)
            if parts.scheme or parts.netloc:
                return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in unquote(sent)):
        return default
    return sent
