"""The import check `make layer` runs on every layer it can: arm64 under qemu-user here."""

from __future__ import annotations

from collections.abc import Callable

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


def test_the_other_architectures_layer_imports_under_emulation(built_layer: BuildLayer) -> None:
    checked = check_imports(built_layer(EMULATED).archive, EMULATED)
    assert checked.emulated
    assert "pydantic_core._pydantic_core" in checked.modules
    assert checked.modules[-1] == "honeyhive"


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
