"""LayerTarget: names, tags and paths of a runtime x arch, and what it refuses."""

from __future__ import annotations

import pytest

from layer.errors import LayerError
from layer.targets import LayerTarget, layer_sys_path


def test_target_paths() -> None:
    target = LayerTarget("python3.12", "arm64")
    assert target.name == "python3.12-arm64"
    assert target.pip_platform == "manylinux2014_aarch64"
    assert target.cp_tag == "cp312"
    assert target.site_packages == "python/lib/python3.12/site-packages"
    assert layer_sys_path("/opt", target) == [
        "/opt/python/lib/python3.12/site-packages",
        "/opt/python",
    ]


@pytest.mark.parametrize(
    ("runtime", "arch", "message"),
    [
        ("python3.11", "x86_64", "unknown runtime 'python3.11': use one of python3.12"),
        ("python3.13", "aarch64", "unknown arch 'aarch64' (Lambda calls it arm64)"),
    ],
)
def test_target_rejects_unknown_values(runtime: str, arch: str, message: str) -> None:
    with pytest.raises(LayerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LayerTarget(runtime, arch)
