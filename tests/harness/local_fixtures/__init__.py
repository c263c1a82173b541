"""Fixture handlers and helpers for the local runtime's tests (real RIE + awslambdaric).

- `handlers/app.py`: one module, one handler per behaviour (echo, fail, sleep, exit, crash...);
- `broken/broken.py`: a module whose import fails.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from harness.local.host import host_architecture
from harness.local.layout import lay_out
from harness.local.paths import LOCAL_BUILD
from harness.local.pool import FunctionPool
from harness.local.procs import is_alive
from harness.local.spec import FunctionSpec
from harness.local.toolchain import Toolchain, prepare

FIXTURES = Path(__file__).resolve().parent
HANDLERS = FIXTURES / "handlers"
BROKEN = FIXTURES / "broken"
RUNTIME = "python3.11"
LAYER_VALUE = "from-the-layer"


def toolchain() -> Toolchain:
    """The python3.11 toolchain for this host (installs the runtime dir on first use)."""
    return prepare(RUNTIME, host_architecture(), LOCAL_BUILD / "runtime")


def spec(name: str, handler: str, **settings: Any) -> FunctionSpec:
    """A fixture function: `handler` in handlers/app.py unless `code` says otherwise."""
    settings.setdefault("code", HANDLERS)
    settings.setdefault("timeout", 10)
    return FunctionSpec(
        name=name,
        handler=handler if "." in handler else f"app.{handler}",
        runtime=RUNTIME,
        architecture=host_architecture(),
        **settings,
    )


def make_pool(
    function: FunctionSpec, tools: Toolchain, workdir: Path, **options: Any
) -> FunctionPool:
    """A pool for `function`, laid out under `workdir` (layers unpacked into its cache)."""
    workdir = workdir.resolve()
    layout = lay_out(function.code, function.layers, workdir, workdir.parent / "layer-cache")
    return FunctionPool(function, tools, layout, workdir, **options)


def layer_zip(directory: Path) -> Path:
    """A small layer with Lambda's layout: a module in python/lib/python3.11/site-packages."""
    path = directory / "fixture-layer.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            f"python/lib/{RUNTIME}/site-packages/fixture_layer_mod.py", f"VALUE = {LAYER_VALUE!r}\n"
        )
        archive.writestr("python/fixture_layer_top.py", "TOP = True\n")
    return path


def lambda_client(endpoint_url: str, **config: Any) -> Any:
    """boto3's Lambda client against the local endpoint (any credentials do)."""
    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(**config),
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def all_dead(pids: list[int]) -> bool:
    return not any(is_alive(pid) for pid in pids)
