"""Run the coordinators' web console: `kontakt-console` or `python -m services.console`
(`... migrate`: its schema, sessions and sign-in outbox; `... housekeeping`: prune once;
`... restore-check`)."""

from services.console.app import create_app
from services.console.housekeeping import CHORES
from services.console.paths import MIGRATIONS, SCHEMA
from shared.process import run_service


def main() -> None:
    """The `kontakt-console` command."""
    run_service(
        create_app, "console", lambda settings: settings.console_port, (SCHEMA, MIGRATIONS), CHORES
    )


if __name__ == "__main__":
    main()
