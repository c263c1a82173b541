"""What this machine provides for a runtime: the architecture, the interpreter, the RIE binary."""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
import shutil
import subprocess
from pathlib import Path

# Lambda's architecture names -> Linux machine names.
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
_PROBE = "import sys; print(sys.version_info[0], sys.version_info[1]); print(sys.base_prefix)"


class HostError(RuntimeError):
    """This machine cannot run the function as asked; the message says what to change."""


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
            f"run natively, without emulation): use --architecture {host}, or set the stack's "
            f"`architecture` to {host} for local runs"
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
def find_interpreter(python_version: str) -> Path:
    """The base (non-virtualenv) interpreter of `python_version` (e.g. "3.12"): on PATH or under
    pyenv. A virtualenv's interpreter is swapped for the one it was made from, so nothing from
    a virtualenv can leak into the runtime."""
    tried: list[str] = []
    for candidate in _candidates(python_version):
        found, why = _probe(candidate, python_version)
        if found is not None:
            return found
        tried.append(f"{candidate} ({why})")
    raise HostError(
        f"runtime python{python_version} has no local interpreter (tried: "
        f"{'; '.join(tried) or 'nothing on PATH or under pyenv'}): install it "
        f"(`pyenv install {python_version}` or `apt-get install python{python_version}`) "
        "or choose another runtime"
    )


def _candidates(python_version: str) -> list[str]:
    found = []
    on_path = shutil.which(f"python{python_version}")
    if on_path:
        found.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    installs = sorted(pyenv_root.glob(f"versions/{python_version}.*/bin/python{python_version}"))
    found += [str(path) for path in reversed(installs)]
    return found


def _probe(candidate: str, python_version: str) -> tuple[Path | None, str]:
    try:
        out = subprocess.run(
            [candidate, "-S", "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if out.returncode != 0:
        return None, (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1]
    version_line, base_prefix = out.stdout.splitlines()[:2]
    version = version_line.replace(" ", ".")
    if version != python_version:
        return None, f"it is python{version}"
    base = Path(base_prefix) / "bin" / f"python{python_version}"
    if not base.is_file():
        return None, f"its base interpreter {base} is missing"
    return base.resolve(), ""
