"""Settings from prefixed environment variables, built once into a frozen object."""

from __future__ import annotations

import contextlib
import ipaddress
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

PREFIX = "KONTAKT_"
T = TypeVar("T")


class SettingsError(ValueError):
    """One or more environment variables hold values that cannot be used."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _port(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 65535:
        raise ValueError("expected a port number from 0 to 65535")
    return value


def _positive(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def _ipv6_prefix(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 128:
        raise ValueError("expected a prefix length from 1 to 128")
    return value


def _whole(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected a whole number, 0 or more")
    return value


# A hundred years: longer spans overflow PostgreSQL's timestamps (now() - interval).
MOST_DAYS = 36_525.0
MOST_SECONDS = MOST_DAYS * 86_400


def _span(raw: str, unit: str, most: float, zero: bool) -> float:
    """A finite number of `unit` (nan, inf and spans past a century are refused)."""
    value = float(raw)
    least = "zero or a positive" if zero else "a positive"
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero) or value > most:
        raise ValueError(f"expected {least} number of {unit}, at most {most:,.0f}")
    return value


def _seconds(raw: str) -> float:
    return _span(raw, "seconds", MOST_SECONDS, zero=False)


def _pause(raw: str) -> float:
    return _span(raw, "seconds", MOST_SECONDS, zero=True)


def _days(raw: str) -> float:
    return _span(raw, "days", MOST_DAYS, zero=True)


def _ipv4_number(part: str) -> int:
    """One part of an IPv4 host as a browser reads it: 0x hex, leading-zero octal, decimal."""
    if part.lower().startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part, 10)


def _unspecified(hostname: str) -> bool:
    """Whether a URL's host is "no host" (0.0.0.0, ::) in any spelling a browser accepts.

    WHATWG URL host parsing: percent-decoded, a trailing dot dropped, IPv4 parts in
    decimal, octal or hex (`0`, `0x0`, `000.000.000.000`), and IPv4-mapped IPv6.
    """
    host = unquote(hostname).strip("[]").rstrip(".")
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host)
        mapped = getattr(address, "ipv4_mapped", None)
        return address.is_unspecified or bool(mapped and mapped.is_unspecified)
    parts = host.split(".")
    with contextlib.suppress(ValueError):
        return len(parts) <= 4 and all(_ipv4_number(p) == 0 for p in parts)
    return False


def _optional(raw: str) -> str | None:
    return raw.strip() or None


def _tls_mode(raw: str) -> str | None:
    value = raw.strip().lower()
    if value not in {"", "starttls", "implicit", "none"}:
        raise ValueError("expected starttls, implicit or none")
    return value or None


def _pooler(raw: str) -> str:
    value = raw.strip().lower()
    if value not in POOLERS:
        raise ValueError(f"expected one of {', '.join(POOLERS)}")
    return value


POOLERS = ("none", "transaction")


def _list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _networks(raw: str) -> tuple[str, ...]:
    # Checked here, so a typo stops the start and is never a 500 on every request.
    items = _list(raw)
    for item in items:
        ipaddress.ip_network(item, strict=False)
    return items


def _keys(raw: str) -> tuple[str, ...]:
    # Keys hold no spaces or commas: one a line in a file, or comma-separated in a variable.
    return tuple(raw.replace(",", " ").split())


@dataclass(frozen=True, slots=True)
class Setting:
    """How one field is read: its variable, parser, default and description for the README."""

    env: str
    parse: Callable[[str], object]
    default: object
    doc: str
    alias: str | None = None
    # A secret may also be read from a file (`KONTAKT_…_FILE`, e.g. a mounted Secret).
    secret: bool = False


# Every setting Kontakt reads. The README table is generated from (and tested against) this.
SPEC: dict[str, Setting] = {
    "database_url": Setting(
        "DATABASE_URL",
        _optional,
        None,
        "PostgreSQL URL (required). `make run` starts an embedded PostgreSQL when it is unset.",
        alias="DATABASE_URL",
        secret=True,
    ),
    "smtp_url": Setting(
        "SMTP_URL",
        _optional,
        None,
        "SMTP server, e.g. `smtp://user:pass@host:587` (user and password percent-encoded; "
        "`smtps://` for implicit TLS). `make run` starts a mail sink when unset.",
        alias="SMTP_URL",
        secret=True,
    ),
    "smtp_tls": Setting(
        "SMTP_TLS",
        _tls_mode,
        None,
        "`starttls` (required: no mail goes out if the server does not offer it), `implicit` "
        "(TLS from the first byte, as `smtps://`) or `none`. Unset: STARTTLS when offered.",
    ),
    "smtp_password_file": Setting(
        "SMTP_PASSWORD_FILE",
        _optional,
        None,
        "File holding the SMTP password (a mounted secret); overrides the URL's password.",
    ),
    "smtp_plain_auth": Setting(
        "SMTP_PLAIN_AUTH",
        _bool,
        False,
        "Allow sending the SMTP password over a connection without TLS (never by default).",
    ),
    "smtp_ca_file": Setting(
        "SMTP_CA_FILE",
        _optional,
        None,
        "PEM file of the certificate authorities the SMTP server's certificate is checked "
        "against. Unset: the system's.",
    ),
    "host": Setting("HOST", str, "127.0.0.1", "Address the services listen on."),
    "directory_port": Setting("DIRECTORY_PORT", _port, 8081, "Port of the directory service."),
    "mailing_port": Setting("MAILING_PORT", _port, 8082, "Port of the mailing service."),
    "vcard_port": Setting("VCARD_PORT", _port, 8083, "Port of the vcard service."),
    "console_port": Setting("CONSOLE_PORT", _port, 8084, "Port of the coordinators' web console."),
    "directory_url": Setting(
        "DIRECTORY_URL",
        _optional,
        None,
        "Where other services reach the directory. Default: `http://HOST:DIRECTORY_PORT`.",
    ),
    "mailing_url": Setting(
        "MAILING_URL",
        _optional,
        None,
        "Where the console reaches the mailing service. Default: `http://HOST:MAILING_PORT`.",
    ),
    "vcard_url": Setting(
        "VCARD_URL",
        _optional,
        None,
        "Where the console reaches the vcard service. Default: `http://HOST:VCARD_PORT`.",
    ),
    "public_directory_url": Setting(
        "PUBLIC_DIRECTORY_URL",
        _optional,
        None,
        "The directory's URL as browsers see it (widgets). Default: DIRECTORY_URL.",
    ),
    "console_sender": Setting(
        "CONSOLE_SENDER",
        _bool,
        True,
        "Send the console's sign-in mails from inside the console (its outbox).",
    ),
    "console_mail_from": Setting(
        "CONSOLE_MAIL_FROM",
        str,
        "console@kontakt.invalid",
        "Sender address of the console's sign-in links (set a real one in production).",
    ),
    "public_console_url": Setting(
        "PUBLIC_CONSOLE_URL",
        _optional,
        None,
        "The console's URL as browsers see it (widgets allow it, for the embed preview). "
        "Default: `http://HOST:CONSOLE_PORT`.",
    ),
    "public_vcard_url": Setting(
        "PUBLIC_VCARD_URL",
        _optional,
        None,
        "The vcard service's URL as browsers see it. Default: `http://HOST:VCARD_PORT`.",
    ),
    "console_session_hours": Setting(
        "CONSOLE_SESSION_HOURS",
        _positive,
        12,
        "Hours a console sign-in lasts; the token the console calls the services with "
        "ends with it, and nothing made in the session outlives it.",
    ),
    "read_token_days": Setting(
        "READ_TOKEN_DAYS",
        _whole,
        0,
        "Most days a read token (a phone's CardDAV password) may live; 0: until revoked.",
    ),
    "token_warn_days": Setting(
        "TOKEN_WARN_DAYS",
        _whole,
        14,
        "Days before a token expires from which its listing and the console warn of it.",
    ),
    "service_token": Setting(
        "SERVICE_TOKEN",
        _optional,
        None,
        "Shared credential services present to each other (introspection). "
        "`make run` generates one in the data folder.",
        secret=True,
    ),
    "secret_key": Setting(
        "SECRET_KEY",
        _optional,
        None,
        "Key that signs links and tokens (unsubscribe, preferences, confirmation, reveal, "
        "VERP addresses, console forms). `make run` generates one in the data folder.",
        secret=True,
    ),
    "verification_keys": Setting(
        "VERIFICATION_KEYS",
        _keys,
        (),
        "Former signing keys, still accepted (not used to sign) while links made with them "
        'live: comma-separated, or one a line in the `_FILE`. README "Secrets": rotation.',
        secret=True,
    ),
    "log_level": Setting("LOG_LEVEL", str, "INFO", "DEBUG, INFO, WARNING or ERROR."),
    "log_format": Setting("LOG_FORMAT", str, "json", "`json` (one object per line) or `text`."),
    "max_body_bytes": Setting(
        "MAX_BODY_BYTES",
        _positive,
        1_048_576,
        "Largest request body accepted (413 above), except on the import routes.",
    ),
    "import_max_bytes": Setting(
        "IMPORT_MAX_BYTES",
        _positive,
        67_108_864,
        "Largest file an import route accepts, once the caller is authenticated (413 above); "
        "the photos in a vCard file are skipped and not counted.",
    ),
    "body_timeout": Setting(
        "BODY_TIMEOUT",
        _seconds,
        30.0,
        "Seconds a client may take to send a request body, and as long again per MiB sent (408).",
    ),
    "idle_timeout": Setting(
        "IDLE_TIMEOUT",
        _seconds,
        30.0,
        "Seconds a connection may stay open without sending a whole request head (idle between "
        "requests, or a head still arriving); then it is closed. Above clients' keep-alive.",
    ),
    "import_workers": Setting(
        "IMPORT_WORKERS",
        _whole,
        1,
        "Worker processes that check imported rows (phone numbers, addresses) while the "
        "directory reads and writes the others; 0 checks them in the directory's own process.",
    ),
    "db_pool_min": Setting("DB_POOL_MIN", _positive, 1, "Fewest PostgreSQL connections kept."),
    "db_pool_max": Setting(
        "DB_POOL_MAX", _positive, 10, "Most PostgreSQL connections a service opens."
    ),
    "drain_seconds": Setting(
        "DRAIN_SECONDS",
        _pause,
        2.0,
        "After SIGTERM, seconds `/readyz` answers 503 while the service still serves, so load "
        "balancers stop sending to it first (the worker stops claiming at once).",
    ),
    "shutdown_timeout": Setting(
        "SHUTDOWN_TIMEOUT",
        _seconds,
        20.0,
        "Then, seconds requests in flight and the worker's sends under way may take to finish.",
    ),
    "db_pooler": Setting(
        "DB_POOLER",
        _pooler,
        "none",
        "`transaction` behind PgBouncer in transaction mode: no startup parameters, no "
        "server-side prepared statements, no LISTEN through it.",
    ),
    "db_listen_url": Setting(
        "DB_LISTEN_URL",
        _optional,
        None,
        "PostgreSQL URL past any pooler for LISTEN (the directory's change notifications). "
        "Default: DATABASE_URL; with DB_POOLER=transaction, unset means polling every second.",
        secret=True,
    ),
    "migrate": Setting(
        "MIGRATE",
        _bool,
        True,
        "Apply the service's migrations at start. `false` in production: the migration step "
        "(`python -m services.NAME migrate`) applies them and the service waits for them.",
    ),
    "migrate_wait": Setting(
        "MIGRATE_WAIT",
        _seconds,
        300.0,
        "With MIGRATE=false, seconds a starting service waits for the migrations it needs.",
    ),
    "db_runtime_role": Setting(
        "DB_RUNTIME_ROLE",
        _optional,
        None,
        "A PostgreSQL role the migration step grants read and write (no DDL) on each schema; "
        "services then connect as it.",
    ),
    "db_timeout": Setting(
        "DB_TIMEOUT", _seconds, 5.0, "Seconds to wait for PostgreSQL before answering 503."
    ),
    "http_timeout": Setting(
        "HTTP_TIMEOUT", _seconds, 5.0, "Seconds a service waits for another service."
    ),
    "email_check_deliverability": Setting(
        "EMAIL_CHECK_DELIVERABILITY",
        _bool,
        False,
        "Ask DNS whether an address's domain takes mail (off: no DNS here).",
    ),
    "reveal_limit": Setting(
        "REVEAL_LIMIT",
        _positive,
        30,
        "E-mail reveals (and vCards with e-mail) one client may get per window.",
    ),
    "reveal_window": Setting(
        "REVEAL_WINDOW", _positive, 600, "Length of the reveal rate-limit window, in seconds."
    ),
    "budget_ipv6_prefix": Setting(
        "BUDGET_IPV6_PREFIX",
        _ipv6_prefix,
        64,
        "Rate limits count an IPv6 client by the network of this prefix length: 64 is what "
        "one home or office line usually gets (RFC 6177); 128 counts each address.",
    ),
    "trusted_proxies": Setting(
        "TRUSTED_PROXIES",
        _networks,
        (),
        "Comma-separated proxy addresses or networks whose X-Forwarded-For is believed.",
    ),
    "public_mailing_url": Setting(
        "PUBLIC_MAILING_URL",
        _optional,
        None,
        "The mailing service's URL as subscribers see it (links in mail). "
        "Default: `http://HOST:MAILING_PORT`.",
    ),
    "confirm_window": Setting(
        "CONFIRM_WINDOW",
        _positive,
        3600,
        "Seconds in which one address gets at most one confirmation mail per list.",
    ),
    "subscribe_limit": Setting(
        "SUBSCRIBE_LIMIT",
        _positive,
        20,
        "Subscribe requests (and, apart, requests for a preferences link) one client may "
        "make per REVEAL_WINDOW seconds.",
    ),
    "mailing_worker": Setting(
        "MAILING_WORKER",
        _bool,
        True,
        "Run the sending worker inside the mailing service (more can run as "
        "`python -m services.mailing.worker`).",
    ),
    "worker_port": Setting(
        "WORKER_PORT",
        _port,
        0,
        "Port (on HOST) where a standalone worker (`python -m services.mailing.worker`) "
        "answers `/healthz`, `/readyz` and `/metrics`; 0: none.",
    ),
    "smtp_pool": Setting(
        "SMTP_POOL", _positive, 4, "SMTP connections a sending worker keeps open."
    ),
    "send_rate": Setting(
        "SEND_RATE",
        _positive,
        1000,
        "Most messages the whole installation sends per second (every worker together, "
        "spaced evenly; kept in PostgreSQL).",
    ),
    "send_hourly": Setting(
        "SEND_HOURLY",
        _positive,
        1_000_000,
        "Most messages the whole installation sends in any hour (every worker together).",
    ),
    "retry_base": Setting(
        "RETRY_BASE",
        _seconds,
        5,
        "Seconds before the first retry of a 4xx or a dropped connection (then 6x, 24x, …).",
    ),
    "max_attempts": Setting(
        "MAX_ATTEMPTS",
        _positive,
        8,
        "Tries of one message (4xx replies, dropped transactions, any error of its own) "
        "before it is recorded as failed with the last reason.",
    ),
    "relay_patience": Setting(
        "RELAY_PATIENCE",
        _seconds,
        900,
        "Seconds the SMTP server may refuse connections or 4xx every MAIL FROM before the "
        "campaigns it holds up pause, with the reason shown.",
    ),
    "soft_bounce_limit": Setting(
        "SOFT_BOUNCE_LIMIT",
        _positive,
        3,
        "Messages to one address that soft-bounced within SOFT_BOUNCE_DAYS (however often each was "
        "reported) after which its mail stops.",
    ),
    "soft_bounce_days": Setting(
        "SOFT_BOUNCE_DAYS",
        _positive,
        30,
        "Days a soft bounce counts for (older ones are forgotten).",
    ),
    "lmtp_port": Setting(
        "LMTP_PORT",
        _port,
        0,
        "Port (on HOST) of the LMTP listener the MTA hands returned mail to; 0: off.",
    ),
    "imap_url": Setting(
        "IMAP_URL",
        _optional,
        None,
        "A mailbox polled for returned mail, e.g. `imaps://user:pass@imap.example.org/INBOX`.",
    ),
    "imap_interval": Setting(
        "IMAP_INTERVAL", _seconds, 60, "Seconds between two polls of IMAP_URL."
    ),
    "dkim_key_file": Setting(
        "DKIM_KEY_FILE",
        _optional,
        None,
        "PEM private key; when set, campaign mail is DKIM-signed for the sender's domain.",
    ),
    "dkim_selector": Setting(
        "DKIM_SELECTOR", str, "kontakt", "The DKIM selector (DNS: SELECTOR._domainkey)."
    ),
    "lease_seconds": Setting(
        "LEASE_SECONDS",
        _positive,
        60,
        "After this long, a message claimed by a worker that died is claimed again.",
    ),
    "housekeeping_interval": Setting(
        "HOUSEKEEPING_INTERVAL",
        _pause,
        3600,
        "Seconds between two rounds of pruning in each service (the retention settings below); "
        "0: none in the service (run `kontakt housekeeping` as a CronJob instead).",
    ),
    "housekeeping_batch": Setting(
        "HOUSEKEEPING_BATCH",
        _positive,
        1000,
        "Rows one pruning statement deletes at most (each batch its own short transaction).",
    ),
    "change_log_days": Setting(
        "CHANGE_LOG_DAYS",
        _days,
        30,
        "Days the directory keeps its change log; a CardDAV client whose sync token is older "
        "is answered 403 valid-sync-token and syncs afresh.",
    ),
    "used_token_days": Setting(
        "USED_TOKEN_DAYS",
        _days,
        30,
        "Days a used confirmation link is remembered (never less than its 7-day lifetime).",
    ),
    "link_days": Setting(
        "LINK_DAYS",
        _days,
        1,
        "Days an expired sign-in link or preferences link is kept after its expiry.",
    ),
    "session_days": Setting(
        "SESSION_DAYS",
        _days,
        1,
        "Days an ended or expired console session (and its session token) is kept.",
    ),
    "rate_limit_days": Setting(
        "RATE_LIMIT_DAYS",
        _days,
        1,
        "Days a rate-limit window is kept (at least two of the longest window are needed).",
    ),
    "outbox_days": Setting(
        "OUTBOX_DAYS",
        _days,
        7,
        "Days a sent, failed or skipped outbox row (confirmations, sign-in mail) is kept.",
    ),
}


def read_env(spec: Mapping[str, Setting], env: Mapping[str, str]) -> dict[str, object]:
    """Every field of `spec` parsed from `env`; SettingsError names each unusable variable."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for name, setting in spec.items():
        raw = env.get(PREFIX + setting.env)
        if raw is None and setting.alias:
            raw = env.get(setting.alias)
        shown = f"{PREFIX}{setting.env}={raw!r}"
        # An empty variable (compose's `${X:-}`) is no value: its file, when named, is read.
        path = env.get(f"{PREFIX}{setting.env}_FILE") if setting.secret else None
        if not raw and path:
            shown = f"{PREFIX}{setting.env}_FILE={path!r}"
            try:
                # One trailing newline is how editors and `kubectl create secret` leave files.
                raw = Path(path).read_text(encoding="utf-8").removesuffix("\n")
            except OSError as exc:
                problems.append(f"{shown}: {exc.strerror or exc}")
                continue
        if raw is None:
            values[name] = setting.default
            continue
        try:
            values[name] = setting.parse(raw)
        except ValueError as exc:
            # A secret's value never goes into a message.
            problems.append(
                f"{PREFIX}{setting.env}: {exc}" if setting.secret else f"{shown}: {exc}"
            )
    if problems:
        raise SettingsError("; ".join(problems))
    return values


def build(
    kind: Callable[..., T],
    spec: Mapping[str, Setting],
    env: Mapping[str, str],
    overrides: Mapping[str, object] | None = None,
) -> T:
    """`kind` made of every field of `spec` read from `env`, then `overrides`.

    Each value is what its field's parser returned, of the field's type (each parser is
    written for its field); the constructor, typed loosely here, takes them by name.
    """
    return kind(**(read_env(spec, env) | dict(overrides or {})))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a Kontakt process is configured with."""

    database_url: str | None
    smtp_url: str | None
    smtp_tls: str | None
    smtp_password_file: str | None
    smtp_plain_auth: bool
    smtp_ca_file: str | None
    host: str
    directory_port: int
    mailing_port: int
    vcard_port: int
    console_port: int
    directory_url: str | None
    mailing_url: str | None
    vcard_url: str | None
    public_directory_url: str | None
    console_mail_from: str
    console_sender: bool
    public_console_url: str | None
    public_vcard_url: str | None
    console_session_hours: int
    read_token_days: int
    token_warn_days: int
    service_token: str | None
    secret_key: str | None
    verification_keys: tuple[str, ...]
    log_level: str
    log_format: str
    max_body_bytes: int
    import_max_bytes: int
    body_timeout: float
    idle_timeout: float
    import_workers: int
    db_pool_min: int
    db_pool_max: int
    drain_seconds: float
    shutdown_timeout: float
    db_pooler: str
    db_listen_url: str | None
    migrate: bool
    migrate_wait: float
    db_runtime_role: str | None
    db_timeout: float
    http_timeout: float
    email_check_deliverability: bool
    reveal_limit: int
    reveal_window: int
    budget_ipv6_prefix: int
    trusted_proxies: tuple[str, ...]
    public_mailing_url: str | None
    confirm_window: int
    subscribe_limit: int
    mailing_worker: bool
    worker_port: int
    smtp_pool: int
    send_rate: int
    send_hourly: int
    retry_base: float
    max_attempts: int
    relay_patience: float
    soft_bounce_limit: int
    soft_bounce_days: int
    lmtp_port: int
    imap_url: str | None
    imap_interval: float
    dkim_key_file: str | None
    dkim_selector: str
    lease_seconds: int
    housekeeping_interval: float
    housekeeping_batch: int
    change_log_days: float
    used_token_days: float
    link_days: float
    session_days: float
    rate_limit_days: float
    outbox_days: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read every setting from `env` (default: the process environment)."""
        return build(cls, SPEC, os.environ if env is None else env, overrides)

    def replace(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Settings(**current)

    @property
    def directory_base(self) -> str:
        """The directory's URL for service-to-service calls."""
        return self._url(self.directory_url, self.directory_port)

    @property
    def mailing_base(self) -> str:
        """The mailing service's URL for service-to-service calls."""
        return self._url(self.mailing_url, self.mailing_port)

    @property
    def vcard_base(self) -> str:
        """The vcard service's URL for service-to-service calls."""
        return self._url(self.vcard_url, self.vcard_port)

    @property
    def public_directory_base(self) -> str:
        """The directory's URL as a browser sees it."""
        return (self.public_directory_url or self.directory_base).rstrip("/")

    @property
    def public_console_base(self) -> str:
        """The console's URL as a browser sees it."""
        return self._url(self.public_console_url, self.console_port)

    @property
    def public_vcard_base(self) -> str:
        """The vcard service's URL as a browser sees it."""
        return self._url(self.public_vcard_url, self.vcard_port)

    @property
    def public_mailing_base(self) -> str:
        """The mailing service's URL as a subscriber sees it."""
        return self._url(self.public_mailing_url, self.mailing_port)

    def _url(self, given: str | None, port: int) -> str:
        """A configured URL without its trailing slash, else this host at `port`."""
        return (given or f"http://{self.host}:{port}").rstrip("/")

    @property
    def listen_url(self) -> str | None:
        """Where LISTEN can run (a session of its own), or None: poll instead."""
        if self.db_listen_url:
            return self.db_listen_url
        return None if self.db_pooler == "transaction" else self.require_database()

    def require_reachable(self, **urls: str) -> None:
        """SettingsError when a URL people follow from mail points at no host (0.0.0.0, ::).

        `urls` maps the variable to set to the URL in effect, e.g.
        `PUBLIC_MAILING_URL=settings.public_mailing_base`.
        """
        wrong = []
        for env, url in urls.items():
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                wrong.append(f"{PREFIX}{env} to an absolute http(s) URL (it is {url!r})")
            elif _unspecified(parts.hostname):
                wrong.append(f"{PREFIX}{env} (links in mail would point at {url})")
        if wrong:
            raise SettingsError(f"set {', '.join(wrong)}")

    def require_database(self) -> str:
        """The database URL, or a clear error when none is configured."""
        if not self.database_url:
            raise SettingsError(f"{PREFIX}DATABASE_URL (or DATABASE_URL) is not set")
        return self.database_url


def markdown_table(spec: Mapping[str, Setting] = SPEC) -> str:
    """Every setting of `spec` as a README table (`python -m shared.settings`)."""
    rows = ["| Variable | Default | What it does |", "|---|---|---|"]
    for setting in spec.values():
        default = setting.default
        if default is None or default == ():
            shown = "unset"
        elif isinstance(default, bool):
            shown = str(default).lower()
        else:
            shown = str(default)
        name = f"`{PREFIX}{setting.env}`" + (f" (or `{setting.alias}`)" if setting.alias else "")
        if setting.secret:
            name += f", or a file: `{PREFIX}{setting.env}_FILE`"
        rows.append(f"| {name} | `{shown}` | {setting.doc} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
