"""Shared layer builds: each target is built once per session into a temporary root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.interpreters import Interpreter, InterpreterNotFound, find_interpreter
from layer.build import Built, build
from layer.targets import Target

# 3.11 is the stack's default runtime and must work here; 3.12/3.13 are tested when installed.
REQUIRED_MINOR = "3.11"


def _interpreter_for(target: Target) -> Interpreter:
    try:
        return find_interpreter(target.python_version)
    except InterpreterNotFound as exc:
        if target.python_version == REQUIRED_MINOR:
            raise
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def find_python() -> Callable[[Target], Interpreter]:
    """The target's interpreter; a test skips (with the finder's message) for 3.12/3.13 only."""
    return _interpreter_for


@pytest.fixture(scope="session")
def layer_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("layers")


@pytest.fixture(scope="session")
def built_layer(layer_root: Path) -> Callable[[Target], Built]:
    """Build (once per session) the lambda recipe for a target; skip if its Python is absent."""
    cache: dict[Target, Built] = {}

    def get(target: Target) -> Built:
        if target not in cache:
            _interpreter_for(target)
            cache[target] = build(target, out=layer_root)
        return cache[target]

    return get


@pytest.fixture(scope="session")
def seed_layer(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(Target("python3.11", "x86_64"), out=tmp_path_factory.mktemp("seed"), recipe="seed")
