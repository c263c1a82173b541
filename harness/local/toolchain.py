"""Everything one runtime needs on this host: interpreter, runtime dir and RIE binary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.local.host import check_architecture, find_interpreter, rie_binary
from harness.local.runtime_dir import ensure_runtime_dir


@dataclass(frozen=True)
class Toolchain:
    runtime: str
    arch: str
    interpreter: Path
    runtime_dir: Path
    rie: Path


def prepare(runtime: str, arch: str, runtime_root: Path) -> Toolchain:
    """Check the host can run `runtime` on `arch`, then install its runtime dir if needed.
    Raises `HostError` (wrong architecture, no interpreter, no RIE) or `RuntimeDirError`."""
    check_architecture(arch)
    rie = rie_binary(arch)
    interpreter = find_interpreter(runtime.removeprefix("python"))
    runtime_dir = ensure_runtime_dir(runtime_root, runtime, arch, interpreter)
    return Toolchain(runtime, arch, interpreter, runtime_dir, rie)
