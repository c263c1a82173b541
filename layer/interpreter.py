"""Find a working interpreter of an exact Python minor version (on PATH, or under pyenv)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_PROBE = "import sys; print(sys.version.split()[0]); print(sys.executable)"


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # full version, e.g. 3.11.7


class InterpreterNotFound(RuntimeError):
    pass


def _candidates(minor: str) -> list[str]:
    """PATH first (may be a pyenv shim that refuses), then every pyenv install of that minor."""
    found = []
    on_path = shutil.which(f"python{minor}")
    if on_path:
        found.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    # Plain CPython releases only: not 3.13.0t (free-threaded, another ABI) or 3.12-dev.
    installs = {
        tuple(int(part) for part in p.parent.parent.name.split(".")): p
        for p in pyenv_root.glob(f"versions/{minor}.*/bin/python{minor}")
        if re.fullmatch(rf"{re.escape(minor)}\.\d+", p.parent.parent.name)
    }
    found += [str(installs[v]) for v in sorted(installs, reverse=True)]
    return found


def _probe(path: str) -> tuple[Interpreter | None, str]:
    try:
        out = subprocess.run(
            [path, "-S", "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        return None, str(exc)
    if out.returncode != 0:
        return None, (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[0]
    version, executable = out.stdout.split()
    return Interpreter(path=executable, version=version), ""


def find_interpreter(minor: str) -> Interpreter:
    """The first candidate that runs and reports `minor` (e.g. "3.12"), else an error that
    lists what was tried and how to fix it."""
    tried = []
    for path in _candidates(minor):
        interp, why = _probe(path)
        if interp and interp.version.rsplit(".", 1)[0] == minor:
            return interp
        tried.append(f"{path} ({why or 'reports ' + (interp.version if interp else '?')})")
    raise InterpreterNotFound(
        f"no working python{minor} interpreter: bytecode for a python{minor} layer must be "
        f"compiled by python{minor}. Tried: {'; '.join(tried) or 'nothing on PATH or in pyenv'}. "
        f"Fix: install it (`pyenv install {minor}` or `apt-get install python{minor}`)."
    )
