"""Everything one runtime needs on this host: interpreter, runtime dir and RIE binary."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from harness.local.host import check_architecture, find_interpreter, rie_binary
from harness.local.runtime_dir import PINS, ensure_runtime_dir


@dataclass(frozen=True)
class Toolchain:
    runtime: str
    arch: str
    interpreter: Path
    python_version: str
    """The interpreter's full version, e.g. 3.13.0."""
    runtime_dir: Path
    rie: Path

    @property
    def runtime_version(self) -> str:
        """The runtime's name in INIT_START: Lambda's `python:3.13.v14`, with `local` for the
        release (this interpreter and runtime dir are not one of Lambda's releases)."""
        return f"python:{self.runtime.removeprefix('python')}.local"

    def runtime_version_arn(self, region: str) -> str:
        """Lambda's `arn:aws:lambda:<region>::runtime:<64 hex>`, the hex naming this toolchain."""
        digest = hashlib.sha256(f"{self.python_version} {' '.join(PINS)}".encode()).hexdigest()
        return f"arn:aws:lambda:{region}::runtime:{digest}"


def prepare(runtime: str, arch: str, runtime_root: Path) -> Toolchain:
    """Check the host can run `runtime` on `arch`, then install its runtime dir if needed.
    Raises `HostError` (wrong architecture, no interpreter, no RIE) or `RuntimeDirError`."""
    check_architecture(arch)
    rie = rie_binary(arch)
    found = find_interpreter(runtime.removeprefix("python"))
    runtime_dir = ensure_runtime_dir(runtime_root, runtime, arch, found.path)
    return Toolchain(runtime, arch, found.path, found.version, runtime_dir, rie)
