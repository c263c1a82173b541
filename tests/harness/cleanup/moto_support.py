"""What the sweeper's and the leak check's moto tests both need."""

from __future__ import annotations

import io
import zipfile

import pytest


def handler_zip() -> bytes:
    """A minimal function package (moto stores it; nothing runs it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials boto3 accepts, so nothing can reach a real account."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
