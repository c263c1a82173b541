"""Everything one runtime needs on this host: interpreter, runtime dir and RIE binary, and, for
the other architecture, the emulator and how much slower it is."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from harness.local.emulation import emulation_factor
from harness.local.errors import HostError
from harness.local.host import find_interpreter, host_architecture, rie_binary
from harness.local.runtime_dir import PINS, ensure_runtime_dir
from layer.interpreters import Interpreter
from layer.sysroots import emulator_name


@dataclass(frozen=True)
class Toolchain:
    runtime: str
    arch: str
    interpreter: Path
    python_version: str
    """The interpreter's full version, e.g. 3.13.0."""
    runtime_dir: Path
    rie: Path
    emulator: Path | None = None
    """qemu-user for the other architecture: it runs the RIE (the interpreter's wrapper runs
    it for the runtime). It lives in the interpreter's prefix, so the sandbox sees it too."""
    time_scale: float = 1.0
    """How many times slower than this machine's native runtime (measured): the init budget
    and the function's timeout are multiplied by it, and its durations are not Lambda's."""
    interpreter_build: str = ""
    """Where the interpreter comes from when it is not an installed CPython (Debian's)."""

    @property
    def emulated(self) -> bool:
        return self.emulator is not None

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
    """Find (or unpack) `runtime`'s interpreter for `arch`, then install its runtime dir if
    needed. Raises `HostError` (no interpreter, no RIE) or `RuntimeDirError`."""
    rie = rie_binary(arch)
    minor = runtime.removeprefix("python")
    found = find_interpreter(minor, arch)
    emulator, scale, compiler = None, 1.0, found.path
    if arch != host_architecture():
        emulator = found.prefix / "bin" / emulator_name(arch)
        if not emulator.is_file():
            raise HostError(f"{found.path} runs {arch} code, but {emulator} is missing")
        native = find_interpreter(minor)
        # Bytecode does not depend on the machine: the native interpreter compiles it.
        compiler = native.path
        scale = _factor(found, native)
    runtime_dir = ensure_runtime_dir(runtime_root, runtime, arch, compiler)
    return Toolchain(
        runtime, arch, found.path, found.version, runtime_dir, rie,
        emulator=emulator, time_scale=scale, interpreter_build=found.build,
    )  # fmt: skip


@functools.cache
def _factor(emulated: Interpreter, native: Interpreter) -> float:
    return emulation_factor(emulated.path, native.path)
