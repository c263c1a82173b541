"""`python -m layer` as a user runs it: reuse, missing interpreters, bad combinations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.spec import DEFAULT_RUNTIME, LAYER_MANIFEST, LAYER_ZIP, REPO_ROOT
from layer.build import Built
from layer.targets import LayerTarget

DEFAULT = LayerTarget(DEFAULT_RUNTIME, "x86_64")


def _layer(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layer", *args],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_cli_reuses_an_unchanged_build(
    built_layer: Callable[[LayerTarget], Built], layer_root: Path
) -> None:
    built = built_layer(DEFAULT)
    result = _layer("--runtime", DEFAULT.runtime, "--arch", "x86_64", "--out", str(layer_root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{built.archive}  sha256={built.manifest['sha256']}")
    assert result.stdout.rstrip().endswith("(reused)")
    assert "unchanged, reusing" in result.stderr


@pytest.mark.slow
def test_cli_checks_each_layer_against_its_sibling_runtimes_layers(
    built_layer: Callable[[LayerTarget], Built], tmp_path: Path
) -> None:
    """A reused layer is checked again (static checks, import), and its pure-Python files
    against another runtime's layer of the same SDK beside it: one that differs is named."""
    built = built_layer(DEFAULT)
    shutil.copytree(built.directory, tmp_path / built.directory.name)
    other = LayerTarget("python3.12" if DEFAULT.runtime != "python3.12" else "python3.13", "x86_64")
    sibling = tmp_path / other.name
    sibling.mkdir()
    shutil.copy(built.directory / LAYER_MANIFEST, sibling / LAYER_MANIFEST)
    init = f"{DEFAULT.site_packages}/honeyhive/__init__.py"
    with (
        zipfile.ZipFile(built.archive) as source,
        zipfile.ZipFile(sibling / LAYER_ZIP, "w") as copy,
    ):
        for info in source.infolist():
            data = source.read(info) + (b"# changed\n" if info.filename == init else b"")
            copy.writestr(info.filename.replace(DEFAULT.runtime, other.runtime), data)
    result = _layer("--runtime", DEFAULT.runtime, "--arch", "x86_64", "--out", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "(reused)" in result.stdout
    assert "import check passed" in result.stderr
    assert f"hold different pure-Python files: {init}" in result.stderr


def test_cli_missing_interpreter_names_it_and_the_fixes(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path), "PYENV_ROOT": str(tmp_path)}
    result = _layer("--runtime", "python3.12", "--out", str(tmp_path), env=env)
    assert result.returncode == 2
    assert "error: no python3.12 for x86_64: no working python3.12 interpreter" in result.stderr
    assert "no Debian suite has a CPython 3.12 package" in result.stderr
    assert "pyenv install 3.12" in result.stderr and "--no-bytecode" in result.stderr
    assert not list(tmp_path.glob("python3.12-*"))


def test_cli_rejects_bad_combinations() -> None:
    result = _layer("--recipe", "seed", "--arch", "arm64")
    assert result.returncode == 2 and f"cannot build {DEFAULT_RUNTIME}-arm64" in result.stderr
    result = _layer("--arch", "aarch64")
    assert result.returncode == 2 and "invalid choice: 'aarch64'" in result.stderr
