"""pip invocations: Lambda's platform for our recipe, the host for the seed's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from layer.errors import LayerError
from layer.targets import LayerTarget

# Flags both recipes share. --no-compile: pip would write timestamp-checked bytecode with the
# interpreter pip runs under (the wrong Python version for 3.12/3.13 targets); the lambda recipe
# compiles separately with the matching interpreter, the seed recipe deletes bytecode anyway.
# --no-warn-conflicts: pip compares the target with the environment pip itself runs in, which is
# not the layer (the resolver still checks the pinned set is consistent).
_COMMON = [
    "--quiet", "--disable-pip-version-check", "--no-input", "--no-compile",
    "--no-warn-conflicts", "--root-user-action=ignore",
]  # fmt: skip


def pip_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-m", "pip", "--version"], capture_output=True, text=True, check=True
    )
    return out.stdout.split()[1]


def lambda_command(target: LayerTarget, site_packages: Path, requirements: Path) -> list[str]:
    """Wheels for Lambda's platform, resolved with dependencies so pip checks the pinned set is
    consistent; `pins.check_installed` then checks it was complete (no --no-deps: a missing pin
    would silently drop a dependency)."""
    return [
        sys.executable, "-m", "pip", "install", *_COMMON,
        "--platform", target.pip_platform,
        "--only-binary=:all:",
        "--implementation", "cp",
        "--python-version", target.python_version,
        "--target", str(site_packages),
        "-r", str(requirements),
    ]  # fmt: skip


def seed_command(python: Path, layer_python: Path, requirements: Path) -> list[str]:
    """The seed's `pip install -t layer/python` with the host's wheels, run by the runtime's own
    interpreter so at least the Python version matches. Same pins as ours, so a benchmark
    compares recipes, not package versions."""
    return [str(python), "-m", "pip", "install", *_COMMON, "--target", str(layer_python),
            "-r", str(requirements)]  # fmt: skip


def run_pip(command: list[str]) -> None:
    """Run pip with its messages on stderr; fail with pip's exit code and the command."""
    result = subprocess.run(command, stdout=sys.stderr, check=False)
    if result.returncode != 0:
        raise LayerError(
            f"pip failed (exit {result.returncode}): {' '.join(command)}. See pip's message above; "
            "if a package has no wheel for this platform, pin another version in "
            "layer/requirements.in and run `python -m layer.lock`."
        )
