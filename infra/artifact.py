"""The layer artefact the builder wrote (`make layer`), checked before the program uses it.

The program never builds anything: it consumes `<dir>/<runtime>-<arch>/layer.zip` and its
`manifest.json`. The zip's hash is recomputed and must match the manifest, so the LayerVersion's
`source_code_hash` always describes the bytes that will be uploaded, and an unchanged rebuild
(byte-identical zip) is a no-op for `pulumi up`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.digest import sha256_file
from infra.errors import InfraError
from infra.sdk import SdkSpec, describe, tree_identity
from infra.spec import LAYER_MANIFEST, LAYER_ZIP


class ArtifactError(InfraError):
    """The layer artefact is missing, stale or built for another target."""


@dataclass(frozen=True)
class LayerArtifact:
    zip_path: Path
    runtime: str
    arch: str
    sha256_hex: str
    zipped_bytes: int
    sdk: SdkBuild

    @property
    def source_code_hash(self) -> str:
        """Base64 of the SHA-256 digest: the form Lambda reports as CodeSha256."""
        return base64.b64encode(bytes.fromhex(self.sha256_hex)).decode()


@dataclass(frozen=True)
class SdkBuild:
    """The SDK a layer holds, as its manifest records it."""

    version: str
    kind: str
    commit: str | None
    dirty: bool

    def description(self) -> str:
        return describe(self.version, self.kind, self.commit, self.dirty)

    def output(self) -> dict[str, str | bool]:
        """The stack output `sdk`: `commit` is "" when the SDK came from no git checkout (a
        Pulumi output drops null values, so the shape would change); `dirty` says the checkout
        had uncommitted changes when the layer was built."""
        return {
            "version": self.version,
            "kind": self.kind,
            "commit": self.commit or "",
            "dirty": self.dirty,
        }


def sdk_mismatch(recorded: dict[str, Any], wanted: SdkSpec) -> str | None:
    """Why the SDK a manifest records is not the one the stack names (None: it is)."""
    kind = recorded.get("kind")
    if kind != wanted.kind:
        return f"it holds a {kind} SDK, the stack names {wanted.kind} {wanted.label!r}"
    if wanted.kind == "requirement" and recorded.get("spec") != wanted.text:
        return f"it was built for {recorded.get('spec')!r}, the stack names {wanted.text!r}"
    path = wanted.path
    if wanted.kind == "wheel" and path and recorded.get("wheelSha256") != sha256_file(path):
        return f"{path} is not the wheel it was built from (its bytes changed)"
    if wanted.kind == "tree" and path and recorded.get("treeSha256") != tree_identity(path).sha256:
        return f"the tree {path} changed since the layer was built from it"
    return None


def artifact_dir(root: Path, runtime: str, arch: str) -> Path:
    return root / f"{runtime}-{arch}"


def load_artifact(
    root: Path,
    runtime: str,
    arch: str,
    stack: str,
    sdk: SdkSpec | None = None,
    *,
    config_key: str = "sdk",
) -> LayerArtifact:
    """The artefact for runtime/arch, checked against its manifest and the SDK the stack names
    in `config_key` (`sdk`, or `baseSdk` for the benchmark's base layer)."""
    sdk = sdk or SdkSpec("release", "")
    directory = artifact_dir(root, runtime, arch)
    zip_path, manifest_path = directory / LAYER_ZIP, directory / LAYER_MANIFEST
    with_sdk = f" SDK={sdk.text}" if sdk.text and config_key == "sdk" else ""
    rebuild = f"run `make layer STACK={stack}{with_sdk}`"
    if config_key != "sdk":
        rebuild += f" (it builds the {config_key} layer too)"
    if not zip_path.is_file() or not manifest_path.is_file():
        raise ArtifactError(
            f"the SDK layer for {runtime}/{arch} has not been built: {zip_path} or "
            f"{manifest_path.name} is missing; {rebuild}"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
        expected = (manifest["runtime"], manifest["arch"])
        recorded_sha = str(manifest["sha256"])
        recorded_sdk = dict(manifest["sdk"])
        built = SdkBuild(
            str(recorded_sdk["version"]),
            str(recorded_sdk["kind"]),
            recorded_sdk.get("commit"),
            bool(recorded_sdk.get("dirty")),
        )
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
    if (mismatch := sdk_mismatch(recorded_sdk, sdk)) is not None:
        raise ArtifactError(
            f"the layer in {directory} holds {built.description()}, not the SDK stack {stack} "
            f"names in {config_key}: {mismatch}; {rebuild}"
        )
    return LayerArtifact(zip_path, runtime, arch, actual_sha, zip_path.stat().st_size, built)
