"""What this machine provides for a runtime: the architecture, the interpreter, the RIE binary."""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
from pathlib import Path

from harness.local.errors import HostError
from infra.spec import LINUX_MACHINES
from layer import interpreters
from layer.errors import InterpreterNotFound
from layer.interpreters import Interpreter

MACHINES = LINUX_MACHINES


def host_architecture() -> str:
    """The Lambda architecture name of this machine (x86_64 or arm64)."""
    machine = platform.machine()
    for arch, name in MACHINES.items():
        if machine == name:
            return arch
    raise HostError(f"this machine is {machine}: the local runtime needs x86_64 or aarch64")


def check_architecture(arch: str) -> None:
    host = host_architecture()
    if arch != host:
        raise HostError(
            f"architecture {arch} cannot run on this {host} machine (the RIE and awslambdaric "
            f"run natively, without emulation): set the stack's `architecture` to {host} for "
            f"local runs (`--set architecture={host}`, or `pulumi config set architecture {host}`)"
        )


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


@functools.cache
def find_interpreter(python_version: str) -> Interpreter:
    """The base (non-virtualenv) interpreter of `python_version` (e.g. "3.12"), so nothing from
    a virtualenv can leak into the runtime. Its path is `<prefix>/bin/python3.X`: the sandbox
    binds that prefix where Lambda keeps its interpreter (/var/lang)."""
    try:
        return interpreters.find_interpreter(python_version)
    except InterpreterNotFound as exc:
        raise HostError(
            f"runtime python{python_version} has no local interpreter: {exc}, "
            "or choose another runtime"
        ) from None
