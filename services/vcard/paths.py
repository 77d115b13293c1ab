"""Where the vcard service's files live."""

from pathlib import Path

HERE = Path(__file__).parent
OPENAPI = HERE / "openapi.yaml"
