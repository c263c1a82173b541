"""Content hashes of files, as the artefacts, wheels and trees are identified everywhere."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of the file's bytes (read in chunks: layers are tens of megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
