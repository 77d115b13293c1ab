"""`kontakt-healthcheck`: the image's HEALTHCHECK. Exit 0 when the service this container runs
answers `/readyz` with 200, else 1.

A container runs one service (or the standalone worker), so of the ports the settings name
(KONTAKT_DIRECTORY_PORT … KONTAKT_WORKER_PORT) exactly one is listening; the others refuse
the connection at once.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from shared.settings import Settings, SettingsError

WILDCARDS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 (listening everywhere: ask loopback)


def ready(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when http://HOST:PORT/readyz answers 200 within `timeout` seconds."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def main() -> int:
    """Ask each configured port of this container's host; 0 as soon as one is ready."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"kontakt-healthcheck: {exc}", file=sys.stderr)
        return 1
    host = "127.0.0.1" if settings.host in WILDCARDS else settings.host
    ports = (
        settings.directory_port,
        settings.mailing_port,
        settings.vcard_port,
        settings.console_port,
        settings.worker_port,
    )
    if any(ready(host, port) for port in ports if port):
        return 0
    print("kontakt-healthcheck: no service here answers /readyz with 200", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
