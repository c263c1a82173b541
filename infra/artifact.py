"""The layer artefact the builder wrote (`make layer`), checked before the program uses it.

The program never builds anything: it consumes `<dir>/<runtime>-<arch>/layer.zip` and its
`manifest.json`. The zip's hash is recomputed and must match the manifest, so the LayerVersion's
`source_code_hash` always describes the bytes that will be uploaded, and an unchanged rebuild
(byte-identical zip) is a no-op for `pulumi up`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from infra.errors import InfraError
from infra.spec import LAYER_MANIFEST, LAYER_ZIP

_CHUNK = 1 << 20


class ArtifactError(InfraError):
    """The layer artefact is missing, stale or built for another target."""


@dataclass(frozen=True)
class LayerArtifact:
    zip_path: Path
    runtime: str
    arch: str
    sha256_hex: str
    zipped_bytes: int

    @property
    def source_code_hash(self) -> str:
        """Base64 of the SHA-256 digest: the form Lambda reports as CodeSha256."""
        return base64.b64encode(bytes.fromhex(self.sha256_hex)).decode()


def artifact_dir(root: Path, runtime: str, arch: str) -> Path:
    return root / f"{runtime}-{arch}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def load_artifact(root: Path, runtime: str, arch: str, stack: str) -> LayerArtifact:
    directory = artifact_dir(root, runtime, arch)
    zip_path, manifest_path = directory / LAYER_ZIP, directory / LAYER_MANIFEST
    rebuild = (
        f"run `make layer STACK={stack}` (or `python -m layer --runtime {runtime} --arch {arch}`)"
    )
    if not zip_path.is_file() or not manifest_path.is_file():
        raise ArtifactError(
            f"the SDK layer for {runtime}/{arch} has not been built: {zip_path} or "
            f"{manifest_path.name} is missing; {rebuild}"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
        expected = (manifest["runtime"], manifest["arch"])
        recorded_sha = str(manifest["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"{manifest_path} is unreadable ({exc!r}); {rebuild}") from exc
    if expected != (runtime, arch):
        raise ArtifactError(
            f"{manifest_path} describes {expected[0]}/{expected[1]}, "
            f"not {runtime}/{arch}; {rebuild}"
        )
    actual_sha = sha256_file(zip_path)
    if actual_sha != recorded_sha:
        raise ArtifactError(
            f"{zip_path} does not match its manifest (sha256 {actual_sha} != {recorded_sha}): "
            f"it changed after it was built; {rebuild}"
        )
    return LayerArtifact(zip_path, runtime, arch, actual_sha, zip_path.stat().st_size)
