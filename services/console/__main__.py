"""`python -m services.console`: the coordinators' web console (`... migrate`: its sessions)."""

from services.console.app import create_app
from services.console.paths import MIGRATIONS, SCHEMA
from shared.process import run_service

if __name__ == "__main__":
    run_service(create_app, "console", lambda settings: settings.console_port, (SCHEMA, MIGRATIONS))
