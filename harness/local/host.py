"""What this machine provides for a runtime: the architecture, the interpreter, the RIE binary."""

from __future__ import annotations

import importlib.util
import os
import platform
from pathlib import Path

from harness.local.errors import HostError
from infra.spec import LINUX_MACHINES
from layer.errors import InterpreterNotFound
from layer.interpreters import Interpreter
from layer.provider import interpreter_for

MACHINES = LINUX_MACHINES


def host_architecture() -> str:
    """The Lambda architecture name of this machine (x86_64 or arm64)."""
    machine = platform.machine()
    for arch, name in MACHINES.items():
        if machine == name:
            return arch
    raise HostError(f"this machine is {machine}: the local runtime needs x86_64 or aarch64")


def rie_binary(arch: str) -> Path:
    """The Runtime Interface Emulator that ships inside the aws-sam-cli wheel."""
    spec = importlib.util.find_spec("samcli")
    if spec is None or not spec.submodule_search_locations:
        raise HostError(
            "aws-sam-cli is not installed, and its wheel carries the RIE binary: "
            "install the dev requirements (`make venv`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "local" / "rapid"
    binary = path / f"aws-lambda-rie-{arch}"
    if not binary.is_file() or not os.access(binary, os.X_OK):
        raise HostError(f"{binary} is missing or not executable: reinstall aws-sam-cli")
    return binary


def find_interpreter(python_version: str, arch: str | None = None) -> Interpreter:
    """The interpreter of `python_version` (e.g. "3.12") on arch (default: this machine's):
    never a virtualenv's (nothing from one can leak into the runtime), on the other
    architecture Debian's under qemu-user (`layer.provider`). Its path is
    `<prefix>/bin/<name>`: the sandbox binds that prefix where Lambda keeps its interpreter
    (/var/lang)."""
    try:
        return interpreter_for(python_version, arch or host_architecture())
    except InterpreterNotFound as exc:
        raise HostError(
            f"runtime python{python_version} has no local interpreter: {exc}, "
            "or choose another runtime"
        ) from None
