"""`python -m layer` and `python -m layer.lock` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from layer import lock, pins
from layer.build import REPO, Built
from layer.targets import Target

PY311 = Target("python3.11", "x86_64")


def _layer(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layer", *args],
        capture_output=True, text=True, cwd=REPO, env=env, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_cli_reuses_an_unchanged_build(
    built_layer: Callable[[Target], Built], layer_root: Path
) -> None:
    built = built_layer(PY311)
    result = _layer("--runtime", "python3.11", "--arch", "x86_64", "--out", str(layer_root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{built.archive}  sha256={built.manifest['sha256']}")
    assert result.stdout.rstrip().endswith("(reused)")
    assert "unchanged, reusing" in result.stderr


def test_cli_missing_interpreter_names_it_and_the_fixes(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path), "PYENV_ROOT": str(tmp_path)}
    result = _layer("--runtime", "python3.12", "--out", str(tmp_path), env=env)
    assert result.returncode == 1
    assert "error: no working python3.12 interpreter" in result.stderr
    assert "pyenv install 3.12" in result.stderr and "--no-bytecode" in result.stderr
    assert not list(tmp_path.glob("python3.12-*"))


def test_cli_rejects_bad_combinations() -> None:
    result = _layer("--recipe", "seed", "--arch", "arm64")
    assert result.returncode == 1 and "cannot build python3.11-arm64" in result.stderr
    result = _layer("--recipe", "seed", "--report")
    assert result.returncode == 2 and "drop --recipe seed" in result.stderr
    result = _layer("--arch", "aarch64")
    assert result.returncode == 2 and "invalid choice: 'aarch64'" in result.stderr


@pytest.mark.slow
def test_committed_pins_resolve_to_themselves_on_every_target() -> None:
    """Every pin has a wheel for CPython 3.11-3.13 on x86_64 and aarch64, and nothing is missing."""
    lock.check(pins.REQUIREMENTS)


@pytest.mark.slow
def test_lock_check_fails_on_an_incomplete_file(tmp_path: Path) -> None:
    incomplete = tmp_path / "requirements.txt"
    lines = pins.REQUIREMENTS.read_text().splitlines()
    incomplete.write_text("\n".join(line for line in lines if not line.startswith("idna==")))
    with pytest.raises(
        RuntimeError, match=r"incomplete or inconsistent for python3.11-x86_64 .*idna: absent vs"
    ):
        lock.check(incomplete, [PY311])
