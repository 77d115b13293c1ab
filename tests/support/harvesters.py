"""Harvesters of increasing cunning, L0 to L2: what a spam crawler does with a response."""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import html
import re
from urllib.parse import unquote

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
AT_DOT = [
    (re.compile(r"\s*[\[\(\{]\s*(at|ät|@)\s*[\]\)\}]\s*", re.I), "@"),
    (re.compile(r"\s+at\s+", re.I), "@"),
    (re.compile(r"\s*[\[\(\{]\s*(dot|punkt|taškas|punkts)\s*[\]\)\}]\s*", re.I), "."),
    (re.compile(r"\s+dot\s+", re.I), "."),
]
B64 = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}){6,}\b")
CFEMAIL = re.compile(r'data-cfemail="([0-9a-fA-F]+)"')


def l0(text: str) -> set[str]:
    """Regular expressions over the raw text."""
    return {m.lower() for m in EMAIL.findall(text)}


def l1(text: str) -> set[str]:
    """The same after HTML-entity and percent decoding (twice, for double encoding)."""
    decoded = text
    for _ in range(2):
        decoded = html.unescape(unquote(decoded))
    return l0(decoded)


def _cloudflare(encoded: str) -> str:
    key = int(encoded[:2], 16)
    return "".join(chr(int(encoded[i : i + 2], 16) ^ key) for i in range(2, len(encoded), 2))


def _b64(candidate: str) -> str:
    padded = candidate + "=" * (-len(candidate) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return decoder(padded).decode("utf-8", "ignore")
        except (binascii.Error, ValueError):
            continue
    return ""


def l2(text: str) -> set[str]:
    """Decoders for known schemes: Cloudflare, base64, hex, ROT13, reversed text, at/dot words."""
    decoded = html.unescape(unquote(text))
    found = l1(text)
    variants = [decoded, codecs.decode(decoded, "rot13"), decoded[::-1]]
    variants += [_cloudflare(m) for m in CFEMAIL.findall(decoded)]
    variants += [_b64(m) for m in B64.findall(decoded)]
    # base64 tokens hide inside signed tokens (`body.signature`): try each dotted part too.
    variants += [
        _b64(part)
        for m in re.findall(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", decoded)
        for part in m.split(".")
    ]
    for m in HEX.findall(decoded):
        with contextlib.suppress(ValueError):
            variants.append(bytes.fromhex(m).decode("utf-8", "ignore"))
    for variant in variants:
        words = variant
        for pattern, replacement in AT_DOT:
            words = pattern.sub(replacement, words)
        found |= l0(variant) | l0(words) | l0(codecs.decode(words, "rot13"))
    # Split spans: strip tags and join what is left.
    found |= l0(re.sub(r"<[^>]+>", "", decoded))
    return found


def harvest(text: str) -> set[str]:
    """Everything L0, L1 and L2 find."""
    return l0(text) | l1(text) | l2(text)
