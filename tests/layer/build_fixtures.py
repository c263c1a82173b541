"""Shared layer builds: each variant is built at most once per session, where `make layer` puts
it (build/layer, build/layer-seed), so an unchanged build is reused across sessions and by
`make local`; tests that need a fresh build make it in their own temporary directory."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.spec import DEFAULT_RUNTIME, LINUX_MACHINES
from layer.build import DEFAULT_OUT, Built, build
from layer.interpreters import Interpreter
from layer.provider import interpreter_for
from layer.targets import LayerTarget

HOST_ARCH = next(arch for arch, machine in LINUX_MACHINES.items() if machine == platform.machine())
DEFAULT_TARGET = LayerTarget(DEFAULT_RUNTIME, HOST_ARCH)


def unpacked_sdist(version: str, root: Path) -> Path:
    """honeyhive==`version`'s source distribution from the index, unpacked under `root`: a
    source tree as the SDK ships it."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         f"honeyhive=={version}", "--no-deps", "--no-binary", ":all:", "-d", str(root)],
        check=True, timeout=300,
    )  # fmt: skip
    (archive,) = root.glob("*.tar.gz")
    shutil.unpack_archive(archive, root)
    return root / f"honeyhive-{version}"


@pytest.fixture(scope="session")
def find_python() -> Callable[[LayerTarget], Interpreter]:
    """The target's interpreter on this machine: installed, else Debian's (`layer.provider`;
    one that cannot be had fails the test with the provider's message and the fix)."""
    return lambda target: interpreter_for(target.python_version, HOST_ARCH)


@pytest.fixture(scope="session")
def layer_root() -> Path:
    return DEFAULT_OUT["lambda"]


@pytest.fixture(scope="session")
def built_layer() -> Callable[[LayerTarget], Built]:
    """Build (or reuse) the lambda recipe for a target in build/layer, once per session."""
    cache: dict[LayerTarget, Built] = {}

    def get(target: LayerTarget) -> Built:
        if target not in cache:
            cache[target] = build(target)
        return cache[target]

    return get


@pytest.fixture(scope="session")
def sdk_layer(built_layer: Callable[[LayerTarget], Built]) -> Path:
    """The default runtime's SDK layer for this host: what the handlers and the local stack
    run with."""
    return built_layer(DEFAULT_TARGET).archive


@pytest.fixture(scope="session")
def seed_layer() -> Built:
    """The seed recipe's layer for the default target (benchmarks only), in build/layer-seed."""
    return build(DEFAULT_TARGET, recipe="seed")


@pytest.fixture(scope="session")
def sdk_layer_version(built_layer: Callable[[LayerTarget], Built]) -> str:
    """The honeyhive version inside `sdk_layer`, as its manifest records it."""
    return str(built_layer(DEFAULT_TARGET).manifest["packages"]["honeyhive"])
