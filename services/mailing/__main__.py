"""Run the mailing service: `kontakt-mailing` or `python -m services.mailing`
(`... migrate`: apply its schema; `... housekeeping`: prune once)."""

from services.mailing.app import create_app
from services.mailing.housekeeping import CHORES
from services.mailing.paths import MIGRATIONS, SCHEMA
from shared.process import run_service


def main() -> None:
    """The `kontakt-mailing` command."""
    run_service(
        create_app, "mailing", lambda settings: settings.mailing_port, (SCHEMA, MIGRATIONS), CHORES
    )


if __name__ == "__main__":
    main()
