"""Finding the base interpreter of a Python minor version."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from layer.errors import InterpreterNotFound
from layer.interpreters import find_interpreter


def test_finder_skips_a_broken_shim_and_finds_pyenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / f"python{minor}"
    shim.write_text("#!/bin/sh\necho 'pyenv: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    for version in (f"{minor}.99", f"{minor}.100t"):  # a free-threaded build is not a match
        real = tmp_path / "pyenv" / "versions" / version / "bin" / f"python{minor}"
        real.parent.mkdir(parents=True)
        real.symlink_to(sys.executable if version.endswith("99") else "/bin/false")
    monkeypatch.setenv("PATH", str(shims))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    found = find_interpreter(minor)
    assert found.version.startswith(minor + ".")


def test_finder_names_what_it_tried_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    with pytest.raises(InterpreterNotFound, match=r"no working python3.12 .*pyenv install 3.12"):
        find_interpreter("3.12")
