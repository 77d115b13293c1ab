"""Fault drills reuse the mailing fixtures: the services, a real SMTP server, a real database."""

from tests.mailing.conftest import mailing_spec, start_mailing

__all__ = ["mailing_spec", "start_mailing"]
