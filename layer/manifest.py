"""manifest.json beside layer.zip (fields per docs/layer.md, "The artefact")."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from infra.spec import LAYER_MANIFEST


@dataclass(frozen=True)
class Manifest:
    runtime: str
    arch: str
    sha256: str  # hex of layer.zip
    zippedBytes: int  # the contract names these in camelCase
    unzippedBytes: int
    bytecode: bool
    recipe: str  # "lambda" | "seed"
    packages: dict[str, str]  # canonical name -> version, as installed
    # Provenance beyond the contract:
    platform: str  # the wheels' platform tag, or "host" for the seed recipe
    interpreter: str | None  # full version of the Python that compiled bytecode / ran seed pip
    interpreterBuild: str | None
    """None: an installed CPython; else e.g. `Debian sid packages (...), not AWS's`."""
    interpreterPackages: list[str]  # a Debian build's exact packages, `name version`
    installer: str  # "uv X.Y.Z" (lambda recipe) or "pip X.Y" (the seed's, the runtime's pip)
    sdk: dict[str, object]
    """The SDK the layer holds: name, version, kind (release|requirement|wheel|tree), the SPEC,
    the wheel's and tree's sha256, the tree's commit and dirty flag."""
    buildKey: str  # see layer.build.build_key

    def write(self, directory: Path) -> None:
        text = json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"
        tmp = directory / f".{LAYER_MANIFEST}.tmp"
        tmp.write_text(text)
        tmp.replace(directory / LAYER_MANIFEST)


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest as JSON, or None when absent or unreadable (then the build runs)."""
    try:
        data = json.loads((directory / LAYER_MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
