"""Returned mail, complaints and the installation-wide suppression list."""
