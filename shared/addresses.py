"""E-mail address validation: email-validator's answer (once per domain in bulk), in our words.

email-validator (https://github.com/JoshData/python-email-validator, `syntax.py` and
`deliverability.py`) says why an address is refused only in an English sentence, without a
code. `refusal` reads that sentence and answers with a catalog message of ours, so a person
reads why in their own language; what we cannot tell apart is "not a valid e-mail address".
"""

from __future__ import annotations

import asyncio
import functools
import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import ParamSpec, TypeVar

from email_validator import EmailNotValidError, EmailUndeliverableError, validate_email

from shared.errors import FieldError
from shared.i18n import N_, NP_, Message

# RFC 5322 dot-atom of ASCII atext: email-validator leaves such a local part unchanged.
PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# Well inside the 64-octet local part and 254-octet address limits, so no length rule differs.
PLAIN_MAX = 60


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str:
    """The normalised domain, or EmailNotValidError; most imports repeat a few domains."""
    return validate_email(f"probe@{domain}", check_deliverability=False).normalized.partition("@")[
        2
    ]


def normalize_address(raw: str) -> str:
    """What `validate_email(raw, check_deliverability=False).normalized` returns, faster."""
    local, at, domain = raw.rpartition("@")
    if (
        at
        and len(local) <= PLAIN_MAX
        and len(domain) <= PLAIN_MAX
        and PLAIN_LOCAL.fullmatch(local)
        and not domain.startswith(" ")
    ):
        try:
            return f"{local}@{_domain(domain)}"
        except EmailNotValidError:
            pass
    # Everything unusual, and every refusal, gets email-validator's own answer and message.
    return str(validate_email(raw, check_deliverability=False).normalized)


_P = ParamSpec("_P")
_T = TypeVar("_T")

# A deliverability check is a blocking DNS query that may wait up to 15 s on another machine.
# Such checks get these few threads of their own: never the loop's default executor, which
# rendering and DKIM signing (the mailing worker, previews, the outbox) need meanwhile.
# A slow resolver makes the checks queue here, and nothing else waits for them.
DNS_THREADS = 4
DNS_EXECUTOR = ThreadPoolExecutor(max_workers=DNS_THREADS, thread_name_prefix="kontakt-dns")


async def in_dns_thread(fn: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """`fn(*args, **kwargs)` (work that asks DNS) in one of the DNS checks' own threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(DNS_EXECUTOR, functools.partial(fn, *args, **kwargs))


async def checked_address(raw: str, *, deliverable: bool) -> str:
    """The normalised address, or EmailNotValidError; with `deliverable`, its domain's DNS too.

    The deliverability check is a blocking DNS query (up to 15 s): it runs in a DNS thread
    (`DNS_EXECUTOR`), so a slow resolver holds up this one request, neither the event loop
    nor the threads that render and sign mail.
    """
    if not deliverable:
        return str(validate_email(raw, check_deliverability=False).normalized)
    checked = await in_dns_thread(validate_email, raw, check_deliverability=True)
    return str(checked.normalized)


# The library's sentence (a regular expression over it) -> our message. The named groups
# are the message's values: `num` a count ("3 characters too many"), `chars` the refused
# characters as the library lists them, `domain` the domain as the person typed it.
_REFUSALS: tuple[tuple[re.Pattern[str], Message], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (
            r"[Qq]uot|bracket|display name",
            N_("Give the address alone, without quotes, brackets or a name."),
        ),
        (r"must have an @-sign", N_("The address needs an @ sign, as in name@example.ee.")),
        (
            r"\(@\) character instead|small commercial at",
            N_("The address has a look-alike of the @ sign; type a plain @."),
        ),
        (r"something before the @-sign", N_("Something must come before the @ sign.")),
        (r"something after the @-sign", N_("A domain must come after the @ sign.")),
        (
            r"too long before the @-sign \((?P<num>\d+) characters? too many\)",
            NP_(
                "The part before the @ sign is %(num)s character too long (64 at most).",
                "The part before the @ sign is %(num)s characters too long (64 at most).",
            ),
        ),
        (
            r"too long after the @-sign \((?P<num>\d+) (?:characters?|bytes?) too many",
            NP_(
                "The part after the @ sign is %(num)s character too long (255 at most).",
                "The part after the @ sign is %(num)s characters too long (255 at most).",
            ),
        ),
        (
            r"address is too long \((?P<num>\d+) characters? too many\)",
            NP_(
                "The address is %(num)s character too long (254 at most).",
                "The address is %(num)s characters too long (254 at most).",
            ),
        ),
        (
            r"(?:invalid|unsafe) characters(?: in quotes)? before the @-sign: (?P<chars>.+)\.$"
            r"|^The email address contains unsafe characters: (?P<chars2>.+)\.$"
            r"|^Internationalized characters before the @-sign are not supported: "
            r"(?P<chars3>.+)\.$",
            N_("The part before the @ sign has characters an address cannot have: %(chars)s."),
        ),
        (
            r"before the @-sign|invalid character\.",
            N_("The part before the @ sign has characters an address cannot have."),
        ),
        (
            r"after the @-sign contains invalid characters(?: after Unicode normalization)?: "
            r"(?P<chars>.+)\.$",
            N_("The domain after the @ sign has characters a domain cannot have: %(chars)s."),
        ),
        (r"two periods in a row", N_("An address cannot have two full stops in a row.")),
        (
            r"cannot (?:start|end) with a period|a period immediately",
            N_("A full stop cannot begin or end the address, nor stand next to the @ sign."),
        ),
        (
            r"hyphen",
            N_("A hyphen cannot begin or end the domain, nor stand next to a full stop."),
        ),
        (
            r"It should have a period",
            N_("The domain after the @ sign needs a full stop, as in example.ee."),
        ),
        (
            r"not within a valid top-level domain",
            N_("The domain after the @ sign does not end in a known top-level domain."),
        ),
        (
            r"special-use or reserved name",
            N_("The domain after the @ sign is reserved and cannot receive e-mail."),
        ),
        (
            r"^The domain name (?P<domain>\S+) does not exist\.",
            N_("The domain %(domain)s does not exist."),
        ),
        (
            r"^The domain name (?P<domain>\S+) does not (?:accept|send) email\.",
            N_("The domain %(domain)s does not accept e-mail."),
        ),
        (
            r"error while checking if the domain name",
            N_("The address's domain could not be checked just now; please try again later."),
        ),
    )
)
NOT_AN_ADDRESS = N_("This is not a valid e-mail address.")


def _characters(listed: str) -> str:
    """The library's list of refused characters without English: 'x' stays, SPACE is U+0020."""
    shown = []
    for item in listed.split(", "):
        try:
            shown.append(f"U+{ord(unicodedata.lookup(item)):04X}")
        except KeyError:
            shown.append(item)  # a quoted character, as the person typed it
    return ", ".join(shown)


def refusal(exc: EmailNotValidError) -> tuple[Message, dict[str, object]]:
    """Why email-validator refused an address, as our catalog message and its values."""
    text = str(exc)
    for pattern, message in _REFUSALS:
        found = pattern.search(text)
        if found is None:
            continue
        values: dict[str, object] = {}
        for key, value in found.groupdict().items():
            if value is not None and key == "num":
                values["num"] = int(value)
            elif value is not None:
                values[key.rstrip("23")] = value if key == "domain" else _characters(value)
        return message, values
    if isinstance(exc, EmailUndeliverableError):
        return N_("The address's domain does not accept e-mail."), {}
    return NOT_AN_ADDRESS, {}


def address_error(field: str, exc: EmailNotValidError) -> FieldError:
    """The field error saying, in the request's language, why `field`'s address was refused."""
    message, values = refusal(exc)
    return FieldError(field, message, values)
