"""One handler in a fresh Python process (lambda_driver.py), invoked from the test.

A fresh process per environment makes module state, init timings and the cold-start flag
real; invocations go one at a time, so a test can change the ingest's faults between them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TASK_ROOT = REPO_ROOT / "lambda_functions"
DRIVER = Path(__file__).with_name("lambda_driver.py")
# Importing honeyhive and its OTel stack on a loaded CI machine takes seconds, not minutes.
INIT_GRACE_S = 60.0

SDK_HANDLERS = ("working_sdk_test", "cold_start_test", "basic_tracing")
ALL_HANDLERS = (*SDK_HANDLERS, "baseline")
FLUSH_TIMEOUT_MS = 1500
MEMORY_MB = 512


def function_env(name: str, *, memory_mb: int = MEMORY_MB) -> dict[str, str]:
    """What Lambda itself sets for a function, and nothing from this machine but PATH."""
    return {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": f"honeyhive-pytest-{name}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only in Lambda
    }


def sdk_env(name: str, api_key: str, api_url: str, **overrides: str) -> dict[str, str]:
    """The environment the Pulumi program gives an SDK function, pointed at `api_url`."""
    env = {
        **function_env(name),
        "HH_API_KEY": api_key,
        "HH_PROJECT": "lambda-ci-test",
        "HH_SOURCE": "pytest",
        "HH_TEST_MODE": "false",
        "HH_API_URL": api_url,
        "FLUSH_TIMEOUT_MS": str(FLUSH_TIMEOUT_MS),
    }
    env.update(overrides)
    return env


@dataclass(frozen=True)
class Invocation:
    status_code: int
    body: dict[str, Any]
    response: dict[str, Any]
    elapsed_ms: float
    request_id: str


class LambdaProcess:
    """A Lambda environment for one handler: a fresh interpreter, invoked one event at a time."""

    def __init__(self, handler: str, env: dict[str, str], workdir: Path) -> None:
        self.handler = handler
        stem = f"{handler}-{uuid.uuid4().hex[:8]}"
        self._stdout_path = workdir / f"{stem}.stdout"
        self._stderr_path = workdir / f"{stem}.stderr"
        self._results: queue.Queue[dict[str, Any]] = queue.Queue()
        read_fd, write_fd = os.pipe()
        with self._stdout_path.open("wb") as stdout, self._stderr_path.open("wb") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, str(DRIVER), str(TASK_ROOT), handler, str(write_fd)],
                stdin=subprocess.PIPE,
                stdout=stdout,
                stderr=stderr,
                env=env,
                pass_fds=(write_fd,),
                cwd=TASK_ROOT,
                text=True,
            )
        os.close(write_fd)
        reader = os.fdopen(read_fd, encoding="utf-8")
        threading.Thread(target=self._read, args=(reader,), daemon=True).start()
        self.modules: list[str] | None = None

    def _read(self, reader: IO[str]) -> None:
        with reader:
            for line in reader:
                self._results.put(json.loads(line))

    def invoke(self, event: Any, *, timeout_ms: int = 30_000) -> Invocation:
        """One invocation; fails the test if the handler raised or did not answer in time."""
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"event": event, "timeoutMs": timeout_ms}) + "\n")
        stdin.flush()
        try:
            result = self._results.get(timeout=timeout_ms / 1000 + INIT_GRACE_S)
        except queue.Empty:
            raise AssertionError(f"{self.handler}: no answer\n{self.stderr()}") from None
        assert "exception" not in result, f"{self.handler} raised:\n{result['exception']}"
        response = result["response"]
        return Invocation(
            status_code=response["statusCode"],
            body=json.loads(response["body"]),
            response=response,
            elapsed_ms=result["elapsedMs"],
            request_id=result["requestId"],
        )

    def close(self) -> None:
        """End the environment; `modules` then lists the SDK modules it had loaded."""
        if self._process.poll() is None:
            stdin = self._process.stdin
            assert stdin is not None
            stdin.close()
            try:
                self.modules = self._results.get(timeout=INIT_GRACE_S)["modules"]
            finally:
                self._process.wait(timeout=INIT_GRACE_S)

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def stdout(self) -> str:
        return self._stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace")


def load_contract() -> ModuleType:
    """lambda_functions/_contract.py, loaded by path: the task root is not a package."""
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


StartLambda = Callable[[str, dict[str, str]], LambdaProcess]
"""The `start_lambda` fixture: (handler module, environment) -> a fresh environment."""
