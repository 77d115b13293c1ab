"""Fault drills reuse the mailing fixtures: the services, a real SMTP server, a real database."""

from tests.console.conftest import coordinator, stack
from tests.mailing.conftest import mailing_spec, start_mailing

__all__ = ["coordinator", "mailing_spec", "stack", "start_mailing"]
