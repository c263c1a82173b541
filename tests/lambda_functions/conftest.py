"""Fixtures for the handler tests: an in-process ingest, and handlers in fresh processes."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.ingest import IngestServer
from tests.lambda_functions.lambda_process import LambdaProcess, StartLambda


@pytest.fixture
def api_key() -> str:
    """A key no other test uses, so finding it anywhere proves where it went."""
    return f"hh_test_{secrets.token_hex(16)}"


@pytest.fixture
def ingest(api_key: str) -> Iterator[IngestServer]:
    with IngestServer(api_key=api_key, secret=api_key) as server:
        yield server


@pytest.fixture
def start_lambda(tmp_path: Path) -> Iterator[StartLambda]:
    """start_lambda(name, env) -> a fresh environment running `name.lambda_handler`."""
    started: list[LambdaProcess] = []

    def start(name: str, env: dict[str, str]) -> LambdaProcess:
        process = LambdaProcess(f"{name}.lambda_handler", env, tmp_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
