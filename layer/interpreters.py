"""Find the base interpreter of an exact Python minor version, on PATH or under pyenv.

The layer builder compiles a layer's bytecode with it and the local runtime runs functions on
it. Both need python3.X itself, never a virtualenv's copy (whose packages would leak in), and
on some machines `python3.X` on PATH is a pyenv shim that refuses to run: every candidate is
probed, and the first that runs and reports the right version wins.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from layer.errors import InterpreterNotFound

_PROBE = "import sys; print(sys.version.split()[0]); print(sys.base_prefix)"
_PROBE_TIMEOUT_S = 30


@dataclass(frozen=True)
class Interpreter:
    path: Path
    """The base interpreter (resolved), even when a virtualenv's python was found first."""
    version: str
    """The full version, e.g. 3.11.7."""
    build: str = ""
    """Where it comes from when it is not an installed CPython: e.g. `Debian sid packages
    (index of <date>), not AWS's` (layer.sysroots)."""
    packages: tuple[str, ...] = ()
    """The exact Debian packages (`name version`) of such a build, qemu's included."""
    emulated: bool = False
    """It runs under qemu-user: every duration it gives is emulated, not Lambda's."""

    @property
    def prefix(self) -> Path:
        """`<prefix>/bin/python3.X`: the directory Lambda keeps at /var/lang."""
        return self.path.parent.parent


def _pyenv_roots(on_path: str | None) -> list[Path]:
    """$PYENV_ROOT (else ~/.pyenv), and the root of a pyenv shim found on PATH (a shim needs
    its root to run, which a process with another HOME lacks; the installs under it do not)."""
    roots = [Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")]
    if on_path and Path(on_path).parent.name == "shims":
        roots.append(Path(on_path).parent.parent)
    return list(dict.fromkeys(roots))


def _candidates(minor: str) -> list[str]:
    """PATH first, then every pyenv install of that minor, newest first."""
    found = []
    on_path = shutil.which(f"python{minor}")
    if on_path:
        found.append(on_path)
    # Plain CPython releases only: not 3.13.0t (free-threaded, another ABI) or 3.12-dev.
    installs = {
        tuple(int(part) for part in p.parent.parent.name.split(".")): p
        for root in _pyenv_roots(on_path)
        for p in root.glob(f"versions/{minor}.*/bin/python{minor}")
        if re.fullmatch(rf"{re.escape(minor)}\.\d+", p.parent.parent.name)
    }
    found += [str(installs[v]) for v in sorted(installs, reverse=True)]
    return found


def _probe(candidate: str, minor: str) -> tuple[Interpreter | None, str]:
    """The base interpreter behind `candidate`, or None and why not."""
    try:
        out = subprocess.run(
            [candidate, "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if out.returncode != 0:
        return None, (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1]
    version, base_prefix = out.stdout.splitlines()[:2]
    if version.rsplit(".", 1)[0] != minor:
        return None, f"it is python{version}"
    base = Path(base_prefix) / "bin" / f"python{minor}"
    if not base.is_file():
        return None, f"its base interpreter {base} is missing"
    return Interpreter(path=base.resolve(), version=version), ""


def find_interpreter(minor: str) -> Interpreter:
    """The first working python`minor` (e.g. "3.12"); `InterpreterNotFound` otherwise."""
    tried = []
    for candidate in _candidates(minor):
        found, why = _probe(candidate, minor)
        if found is not None:
            return found
        tried.append(f"{candidate} ({why})")
    raise InterpreterNotFound(
        f"no working python{minor} interpreter (tried: "
        f"{'; '.join(tried) or 'nothing on PATH or under pyenv'}); install it "
        f"(`pyenv install {minor}` or `apt-get install python{minor}`)"
    )
