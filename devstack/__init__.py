"""What only development needs: the stack `make run` starts, embedded PostgreSQL, the mail sink.

Nothing under `services/` or `shared/` imports this package, and the image does not ship it
(its dependencies are the `devstack` extra).
"""
