"""Run the mailing service: `kontakt-mailing` or `python -m services.mailing`
(`... migrate`: apply its schema; `... housekeeping`: prune once;
`... restore-check`)."""

from services.mailing.app import create_app
from services.mailing.housekeeping import CHORES
from services.mailing.paths import MIGRATIONS, SCHEMA
from services.mailing.restore import sending_findings
from shared.process import run_service


def main() -> None:
    """The `kontakt-mailing` command."""
    run_service(
        create_app,
        "mailing",
        lambda settings: settings.mailing_port,
        (SCHEMA, MIGRATIONS),
        CHORES,
        sending_findings,
    )


if __name__ == "__main__":
    main()
