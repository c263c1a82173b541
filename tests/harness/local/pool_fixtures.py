"""Fixtures the local runtime's tests and the handler tests share: the host's toolchain for
the default runtime, and pools of environments (closed afterwards)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.local.pool import FunctionPool
from harness.local.toolchain import Toolchain
from tests.harness.local.fixtures import make_pool, spec, toolchain


@pytest.fixture(scope="session")
def tools() -> Toolchain:
    return toolchain()


@pytest.fixture
def pools(tools: Toolchain, tmp_path: Path) -> Iterator[Any]:
    """`pools(name, handler, pool_options=None, **spec_settings)`: a pool, closed afterwards."""
    made: list[FunctionPool] = []

    def make(
        name: str, handler: str, pool_options: Mapping[str, Any] | None = None, **settings: Any
    ) -> FunctionPool:
        pool = make_pool(
            spec(name, handler, **settings), tools, tmp_path / name, **(pool_options or {})
        )
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.close()
