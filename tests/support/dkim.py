"""A DKIM key pair made for a test."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path


def key_pair(folder: Path) -> tuple[Path, bytes]:
    """A fresh RSA key (made with openssl) and its public half as DNS would publish it."""
    private = folder / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
