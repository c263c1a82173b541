"""Fixtures for the handler tests: an in-process ingest, and handlers on the local runtime."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.ingest import IngestServer
from harness.local.pool import FunctionPool
from harness.local.toolchain import Toolchain
from infra.spec import FUNCTIONS
from tests.harness.local.fixtures import make_pool
from tests.lambda_functions.environments import (
    TIMEOUT_S,
    HandlerEnvironments,
    StartLambda,
    function_config,
)


@pytest.fixture
def api_key() -> str:
    """A key no other test uses, so finding it anywhere proves where it went."""
    return f"hh_test_{secrets.token_hex(16)}"


@pytest.fixture
def ingest(api_key: str) -> Iterator[IngestServer]:
    with IngestServer(api_key=api_key, secret=api_key) as server:
        yield server


@pytest.fixture(scope="session")
def layer_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the SDK layer is unpacked: once per test worker, not once per test (its 45 MB take
    1.2 s of CPU to unpack). The functions share it as a served stack's functions do
    (harness/local/layout.py), and none of them writes to /opt."""
    return tmp_path_factory.mktemp("layer-cache")


@pytest.fixture
def start_lambda(
    tools: Toolchain, sdk_layer: Path, layer_cache: Path, tmp_path: Path
) -> Iterator[StartLambda]:
    """start_lambda(handler, env, *, timeout_s=TIMEOUT_S) -> the handler deployed locally, with
    the SDK layer when it uses the SDK; every environment is stopped afterwards."""
    pools: list[FunctionPool] = []

    def start(
        handler: str, env: dict[str, str], *, timeout_s: int = TIMEOUT_S
    ) -> HandlerEnvironments:
        layer = sdk_layer if FUNCTIONS[handler].uses_sdk else None
        config = function_config(handler, env, layer=layer, timeout_s=timeout_s)
        workdir = tmp_path / f"{handler}-{len(pools)}"
        pool = make_pool(config, tools, workdir, layer_cache=layer_cache)
        pools.append(pool)
        return HandlerEnvironments(handler, pool)

    yield start
    for pool in pools:
        pool.close()
