"""The handlers run as Lambda runs them: the local runtime (AWS's RIE + awslambdaric), the code
unpacked as the task root and, for the SDK handlers, the real SDK layer built by the builder.

`start_lambda(handler, env, ...)` gives one function's pool of execution environments; each
`invoke` is a real Invoke through the RIE, so module state, init timings and the cold-start flag
are real, and a handler that outlives its Timeout is killed and reported as a timeout, as on
Lambda (the tests assert that, not wall-clock times).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from harness.lambda_report import Report
from harness.local.config import FunctionConfig
from harness.local.host import host_architecture
from harness.local.pool import FunctionPool
from infra.spec import (
    DEFAULT_RUNTIME,
    ENV_API_KEY,
    ENV_API_URL,
    ENV_PROJECT,
    ENV_SOURCE,
    ENV_TEST_MODE,
    FLUSH_TIMEOUT_ENV,
    FUNCTIONS,
    REPO_ROOT,
    SDK_FUNCTIONS,
)

TASK_ROOT = REPO_ROOT / "lambda_functions"
SDK_HANDLERS = SDK_FUNCTIONS
ALL_HANDLERS = tuple(FUNCTIONS)
FLUSH_TIMEOUT_MS = 1500
MEMORY_MB = 512
TIMEOUT_S = 10
"""Generous for a bounded handler (two network phases of FLUSH_TIMEOUT_MS), far below what an
unbounded one would take against the ingest's faults (minutes)."""


def function_name(handler: str) -> str:
    return f"honeyhive-pytest-{handler}"


def sdk_env(api_key: str, api_url: str, **overrides: str) -> dict[str, str]:
    """The variables the Pulumi program gives an SDK function, pointed at `api_url`."""
    env = {
        ENV_API_KEY: api_key,
        ENV_PROJECT: "lambda-ci-test",
        ENV_SOURCE: "pytest",
        ENV_TEST_MODE: "false",
        ENV_API_URL: api_url,
        FLUSH_TIMEOUT_ENV: str(FLUSH_TIMEOUT_MS),
    }
    env.update(overrides)
    return env


@dataclass(frozen=True)
class Answer:
    """One invocation's response (the handler's return value) and its REPORT."""

    status_code: int
    body: dict[str, Any]
    response: dict[str, Any]
    request_id: str
    report: Report
    log: str


class HandlerEnvironments:
    """One handler deployed locally: its pool of environments, and every log it wrote."""

    def __init__(self, handler: str, pool: FunctionPool) -> None:
        self.handler = handler
        self._pool = pool
        self._logs: list[str] = []

    def invoke(self, event: Any) -> Answer:
        """One synchronous invoke; fails the test on a function error (the handler raised,
        timed out or crashed: the contract says it never does)."""
        invocation = self._pool.invoke(json.dumps(event).encode())
        self._logs.append(invocation.log)
        assert invocation.function_error is None, (
            f"{self.handler}: {invocation.error_type}: {invocation.payload[:500]!r}\n"
            f"{invocation.log}"
        )
        response = json.loads(invocation.payload)
        return Answer(
            status_code=response["statusCode"],
            body=json.loads(response["body"]),
            response=response,
            request_id=invocation.request_id,
            report=invocation.report,
            log=invocation.log,
        )

    def logs(self) -> str:
        """Everything the function printed (and its START/END/REPORT lines), as CloudWatch
        would hold it."""
        return "".join(self._logs)


StartLambda = Callable[..., HandlerEnvironments]
"""The `start_lambda` fixture: `(handler, env, *, timeout_s=TIMEOUT_S)` -> its environments."""


def function_config(
    handler: str, env: dict[str, str], *, layer: Path | None, timeout_s: int = TIMEOUT_S
) -> FunctionConfig:
    return FunctionConfig(
        name=function_name(handler),
        handler=FUNCTIONS[handler].handler,
        code=TASK_ROOT,
        runtime=DEFAULT_RUNTIME,
        architecture=host_architecture(),
        memory_size=MEMORY_MB,
        timeout=timeout_s,
        environment=env,
        layers=(layer,) if layer is not None else (),
    )


def load_contract() -> ModuleType:
    """lambda_functions/_contract.py, loaded by path for its pure helpers: the task root is not
    a package (the handlers themselves run only through the local runtime)."""
    spec = importlib.util.spec_from_file_location("_contract", TASK_ROOT / "_contract.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_contract"] = module  # dataclasses look their module up while decorating
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:  # no __pycache__ in the function's code directory
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    return module
