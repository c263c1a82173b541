"""The static checks every layer gets (the only ones python3.12 on arm64 gets): each is shown
to pass on a layer built for its target and to fail, naming the file, on one that is not."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.spec import REPO_ROOT
from layer.build import Built
from layer.provider import interpreter_for
from layer.static_checks import (
    LayerCheckFailed,
    check,
    main,
    problems,
    pure_python_disagreements,
)
from layer.targets import LayerTarget
from tests.layer.build_fixtures import HOST_ARCH

pytestmark = pytest.mark.slow

BuildLayer = Callable[[LayerTarget], Built]
ARM = LayerTarget("python3.13", "arm64")
X86 = LayerTarget("python3.13", "x86_64")


def _pydantic_core(target: LayerTarget) -> str:
    tag = f"cpython-{target.cp_tag[2:]}-{target.machine}-linux-gnu"
    return f"{target.site_packages}/pydantic_core/_pydantic_core.{tag}.so"


def _rewrite(source: Path, out: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of the layer zip with members replaced (bytes), added, or renamed (None drops)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as copy:
        for info in original.infolist():
            if info.filename not in changes:
                copy.writestr(info, original.read(info))
        for name, data in changes.items():
            if data is not None:
                copy.writestr(name, data)
    return out


def _read(archive: Path, name: str) -> bytes:
    with zipfile.ZipFile(archive) as zipped:
        return zipped.read(name)


def test_layers_built_for_their_target_pass(built_layer: BuildLayer) -> None:
    for target in (ARM, X86):
        assert problems(built_layer(target).archive, target) == []


def test_one_x86_64_wheel_in_an_arm64_layer_fails_naming_the_file(
    built_layer: BuildLayer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x86_module = _read(built_layer(X86).archive, _pydantic_core(X86))
    swapped = _rewrite(
        built_layer(ARM).archive, tmp_path / "layer.zip", {_pydantic_core(ARM): x86_module}
    )
    with pytest.raises(LayerCheckFailed) as excinfo:
        check(swapped, ARM)
    message = str(excinfo.value)
    assert f"{_pydantic_core(ARM)}: built for EM_X86_64, not arm64" in message
    assert message.count(": built for") == 1, "only the swapped file is named"
    # The same from the command line, for a layer zip made anywhere.
    assert main([str(swapped), "--runtime", ARM.runtime, "--arch", ARM.arch]) == 1
    assert f"{_pydantic_core(ARM)}: built for EM_X86_64" in capsys.readouterr().err


def test_an_extension_for_another_python_fails_naming_it(
    built_layer: BuildLayer, tmp_path: Path
) -> None:
    name = _pydantic_core(ARM)
    renamed = name.replace("cpython-313", "cpython-312")
    data = _read(built_layer(ARM).archive, name)
    layer = _rewrite(built_layer(ARM).archive, tmp_path / "l.zip", {name: None, renamed: data})
    assert problems(layer, ARM) == [
        f"{renamed}: extension module for cpython-312-aarch64-linux-gnu, "
        "not cpython-313-aarch64-linux-gnu"
    ]


def test_a_newer_glibc_and_a_library_lambda_lacks_are_named(
    built_layer: BuildLayer, tmp_path: Path
) -> None:
    """Debian sid's python3.14 needs sid's glibc (2.38+) and links libz and libexpat: as an
    extension module in a layer, both are refused."""
    python = interpreter_for("3.14", HOST_ARCH)
    elf = (python.prefix / "bin" / "python3.14").read_bytes()
    target = LayerTarget("python3.14", HOST_ARCH)
    name = f"{target.site_packages}/native/_native.cpython-314-{target.machine}-linux-gnu.so"
    layer = _rewrite(built_layer(X86).archive, tmp_path / "l.zip", {name: elf})
    found = [line for line in problems(layer, target) if line.startswith(name)]
    assert any("needs GLIBC_2.3" in line and "has 2.34" in line for line in found), found
    assert any("links" in line and "libz.so.1" in line for line in found), found


def test_pure_python_files_of_two_runtimes_agree_and_a_difference_is_named(
    built_layer: BuildLayer, tmp_path: Path
) -> None:
    older = built_layer(LayerTarget("python3.12", "x86_64")).archive
    newer = built_layer(X86).archive
    assert pure_python_disagreements(older, newer) == []
    init = f"{X86.site_packages}/honeyhive/__init__.py"
    changed_dir = tmp_path / "python3.13-x86_64"
    changed_dir.mkdir()
    changed = _rewrite(newer, changed_dir / "layer.zip", {init: _read(newer, init) + b"\n#\n"})
    assert pure_python_disagreements(older, changed) == [init.replace("3.13", "3.12")]


def test_make_layer_for_python3_12_arm64_passes_its_static_checks() -> None:
    """No arm64 CPython 3.12 can run here: the build says its checks are static only. (Built
    where `make layer` puts it, so `make matrix` and the next run reuse it.)"""
    result = subprocess.run(
        [sys.executable, "-m", "layer", "--runtime", "python3.12", "--arch", "arm64"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "python3.12-arm64: static checks only" in result.stderr
