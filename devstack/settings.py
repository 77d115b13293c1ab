"""Settings only `make run` reads: where the embedded parts live and listen."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.settings import Setting, _bool, _port, build, markdown_table

# Every development setting. The README's second table is generated from (and tested against) this.
DEV_SPEC: dict[str, Setting] = {
    "data_dir": Setting(
        "DATA_DIR",
        Path,
        Path(".data"),
        "Folder for the embedded PostgreSQL, generated keys and sink mail.",
    ),
    "load_demo": Setting(
        "LOAD_DEMO",
        _bool,
        True,
        "`make run` loads the FOR-IN demo network into an empty directory.",
    ),
    "mailsink_smtp_port": Setting(
        "MAILSINK_SMTP_PORT", _port, 1025, "SMTP port of the development mail sink."
    ),
    "mailsink_web_port": Setting(
        "MAILSINK_WEB_PORT", _port, 8025, "Port of the development mail sink's page."
    ),
    "example_port": Setting(
        "EXAMPLE_PORT",
        _port,
        8090,
        "Port of the example host page `make run` serves (another origin, as a real site is).",
    ),
}


@dataclass(frozen=True, slots=True)
class DevSettings:
    """What the development stack is configured with, beside the services' `Settings`."""

    data_dir: Path
    load_demo: bool
    mailsink_smtp_port: int
    mailsink_web_port: int
    example_port: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DevSettings:
        """Read every development setting from `env` (default: the process environment)."""
        return build(cls, DEV_SPEC, os.environ if env is None else env)


if __name__ == "__main__":
    print(markdown_table(DEV_SPEC))
