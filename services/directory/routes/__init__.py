"""The directory's HTTP handlers, a module per resource; each exports only `routes`.

What they share (visibility, validation, storage, rendering) lives in the domain modules
beside this package, which never import it (import-linter checks that in `make lint`).
"""
