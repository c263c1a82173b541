"""Installer invocations: uv for Lambda's platform (our recipe), the runtime's pip for the
host (the seed's recipe)."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from layer.errors import LayerError
from layer.pins import parse_pin
from layer.targets import LayerTarget

# The seed recipe's pip flags. --no-compile: the seed recipe deletes bytecode anyway.
# --no-warn-conflicts: pip compares the target with the environment pip itself runs in, which is
# not the layer (the resolver still checks the pinned set is consistent).
_SEED_FLAGS = [
    "--quiet", "--disable-pip-version-check", "--no-input", "--no-compile",
    "--no-warn-conflicts", "--root-user-action=ignore",
]  # fmt: skip
# uv leaves its target-directory lock in the target; it is not part of any package.
UV_TARGET_LOCK = ".lock"


def pip_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-m", "pip", "--version"], capture_output=True, text=True, check=True
    )
    return out.stdout.split()[1]


def uv_version() -> str:
    """The pinned uv (constraints.txt) that installs the lambda recipe."""
    return importlib.metadata.version("uv")


Requirements = Path | Sequence[str]
"""A requirements file, or requirement strings."""


def _uv_pip(subcommand: str, target: LayerTarget) -> list[str]:
    """`uv pip <subcommand>` for Lambda's platform for `target`, binary wheels only (uv's
    `--python-platform <machine>-manylinux2014` is pip's `--platform manylinux2014_<machine>
    --implementation cp`)."""
    return [
        sys.executable, "-m", "uv", "pip", subcommand, "--quiet", "--python", sys.executable,
        "--python-platform", f"{target.machine}-manylinux2014",
        "--python-version", target.python_version, "--only-binary", ":all:",
    ]  # fmt: skip


def lambda_command(
    target: LayerTarget, site_packages: Path, requirements: Requirements
) -> list[str]:
    """Wheels for Lambda's platform, resolved with dependencies so uv checks the pinned set is
    consistent; `pins.check_installed` then checks it was complete (no --no-deps: a missing pin
    would silently drop a dependency).

    uv, not pip: the same wheels, the same files (bar each dist-info's INSTALLER and RECORD),
    but it installs the 39 pins in under a second from its cache where pip takes 7-9 s and
    caches nothing on these machines. AWS SAM's `python-uv` build method and Powertools' build
    guide use it the same way. `--link-mode copy`: uv hard-links from its cache by default, and
    the builder edits the tree (prune rewrites RECORD files), which would edit uv's cache.
    Bytecode is not written (uv's default): the lambda recipe compiles with the runtime's own
    interpreter (layer/bytecode.py)."""
    return [
        *_uv_pip("install", target), "--link-mode", "copy", "--target", str(site_packages),
        *(["-r", str(requirements)] if isinstance(requirements, Path) else requirements),
    ]  # fmt: skip


def compile_command(target: LayerTarget, *arguments: str) -> list[str]:
    """`uv pip compile` for what `lambda_command` would install for `target`; its output is
    one `name==version` line per package (`compiled_pins` reads it)."""
    return [*_uv_pip("compile", target), "--no-header", "--no-annotate", *arguments]


def compiled_pins(text: str) -> dict[str, str]:
    """`{canonical name: version}` of `uv pip compile`'s output; a package given by path
    (`name @ file://...`) has no version there and is left out."""
    return dict(pin for line in text.splitlines() if (pin := parse_pin(line)) is not None)


def seed_command(python: Path, layer_python: Path, requirements: Path) -> list[str]:
    """The seed's `pip install -t layer/python` with the host's wheels, run by the runtime's own
    interpreter so at least the Python version matches. Same pins as ours, so a benchmark
    compares recipes, not package versions."""
    return [str(python), "-m", "pip", "install", *_SEED_FLAGS, "--target", str(layer_python),
            "-r", str(requirements)]  # fmt: skip


LAYER_FIX = (
    "if a package has no wheel for this platform, pin another version in layer/requirements.in "
    "and run `python -m layer.lock`"
)


def install_for_lambda(
    target: LayerTarget, site_packages: Path, requirements: Requirements, *, fix: str = LAYER_FIX
) -> None:
    _run("uv", lambda_command(target, site_packages, requirements), fix)
    (site_packages / UV_TARGET_LOCK).unlink(missing_ok=True)


def install_seed(python: Path, layer_python: Path, requirements: Path) -> None:
    _run("pip", seed_command(python, layer_python, requirements), LAYER_FIX)


def _run(installer: str, command: list[str], fix: str) -> None:
    """Run the installer with its messages on stderr; fail with its exit code and the command."""
    result = subprocess.run(command, stdout=sys.stderr, check=False)
    if result.returncode != 0:
        raise LayerError(
            f"{installer} failed (exit {result.returncode}): {' '.join(command)}. See its message "
            f"above; {fix}."
        )
