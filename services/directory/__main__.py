"""Run the directory service: `kontakt-directory` or `python -m services.directory`
(`... migrate`: apply its schema; `... housekeeping`: prune once; `... restore-check`)."""

from services.directory.app import create_app
from services.directory.epoch import epoch_findings
from services.directory.housekeeping import CHORES
from services.directory.paths import MIGRATIONS, SCHEMA
from shared.process import run_service


def main() -> None:
    """The `kontakt-directory` command."""
    run_service(
        create_app,
        "directory",
        lambda settings: settings.directory_port,
        (SCHEMA, MIGRATIONS),
        CHORES,
        epoch_findings,
    )


if __name__ == "__main__":
    main()
