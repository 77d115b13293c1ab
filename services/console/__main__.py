"""`python -m services.console`: the coordinators' web console (it owns no tables)."""

from services.console.app import create_app
from shared.process import run_service

if __name__ == "__main__":
    run_service(create_app, "console", lambda settings: settings.console_port, None)
