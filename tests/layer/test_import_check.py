"""The import check `make layer` runs on every layer it can: arm64 under qemu-user here."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from layer.build import Built
from layer.import_check import check_imports, extension_modules, runnable
from layer.targets import LayerTarget
from layer.verify import ProbeFailed
from tests.layer.build_fixtures import HOST_ARCH

pytestmark = pytest.mark.slow

BuildLayer = Callable[[LayerTarget], Built]
OTHER_ARCH = "arm64" if HOST_ARCH == "x86_64" else "x86_64"
EMULATED = LayerTarget("python3.13", OTHER_ARCH)
NATIVE = LayerTarget("python3.13", HOST_ARCH)


def test_the_other_architectures_layer_imports_under_emulation(
    built_layer: BuildLayer, tmp_path: Path
) -> None:
    """The check's own path under qemu-user (the interpreter, its sysroot, the probe) on a part
    of the real layer: pydantic-core's extension, and a `honeyhive` that imports it. The whole
    SDK takes ~25 s to import under qemu, which `make layer ARCH=...` and `make matrix` spend;
    the whole layer's wheels are checked for their machine statically (test_static_checks)."""
    part = tmp_path / "part.zip"
    site = f"{EMULATED.site_packages}/"
    kept = ("pydantic_core", "typing_extensions.py")
    with zipfile.ZipFile(built_layer(EMULATED).archive) as whole, zipfile.ZipFile(part, "w") as out:
        for info in whole.infolist():
            package = info.filename.removeprefix(site).split("/")[0]
            if info.filename.startswith(site) and package in kept:
                out.writestr(info, whole.read(info))
        out.writestr(f"{site}honeyhive/__init__.py", "import pydantic_core\n")
    checked = check_imports(part, EMULATED)
    assert checked.emulated
    assert checked.modules == ("pydantic_core._pydantic_core", "honeyhive")


def test_a_layer_of_the_wrong_machine_fails_as_on_lambda(built_layer: BuildLayer) -> None:
    """The native layer's wheels, imported by the other machine's interpreter."""
    with pytest.raises(ProbeFailed, match=r"cannot open shared object|No module named|ELF"):
        check_imports(built_layer(NATIVE).archive, EMULATED)


def test_every_extension_module_is_named(built_layer: BuildLayer) -> None:
    modules = extension_modules(built_layer(EMULATED).archive, EMULATED)
    assert {"pydantic_core._pydantic_core", "yaml._yaml", "google._upb._message"} <= set(modules)
    assert not [m for m in modules if "/" in m or m.endswith(".so")]


def test_python3_12_on_the_other_architecture_gets_static_checks_only() -> None:
    assert not runnable(LayerTarget("python3.12", OTHER_ARCH))
    assert runnable(LayerTarget("python3.12", HOST_ARCH))
