"""Compile the layer's bytecode with the runtime's own interpreter, reproducibly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from layer.errors import LayerError
from layer.targets import OPT, LayerTarget


def compile_tree(python: Path, site_packages: Path, target: LayerTarget) -> None:
    """`compileall` with unchecked-hash pycs: Lambda's /opt is read-only and the zip's timestamps
    are fixed, so timestamp-checked pycs would be stale and every cold start would recompile.

    Bytecode is platform-independent, so the host's python3.X compiles an arm64 tree too.
    `-d` embeds Lambda's path instead of the staging path, and PYTHONHASHSEED=0 fixes the order
    in which set constants are marshalled: both make the output independent of the build.
    """
    command = [
        str(python), "-S", "-s", "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash",
        "-d", f"{OPT}/{target.site_packages}",
        str(site_packages),
    ]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, stdout=sys.stderr, env=env, check=False)
    if result.returncode != 0:
        raise LayerError(
            f"compileall failed (exit {result.returncode}) for {target.name}: a module above does "
            f"not compile under {python}. Fix: pin a version of that package that supports "
            f"{target.runtime} in layer/requirements.in and run `python -m layer.lock`."
        )
