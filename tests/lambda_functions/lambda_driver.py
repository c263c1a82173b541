"""Run one handler as a Lambda environment does: import once (init), then invoke repeatedly.

Test support, not a mock: the handler, the SDK and the network are real; only the runtime's
loop is this script (the RIE path is tested elsewhere). The function's configuration comes from
the variables Lambda sets (AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE, AWS_REGION).

    python lambda_driver.py TASK_ROOT MODULE.FUNCTION RESULT_FD

stdin: one JSON line per invocation, {"event": <any JSON>, "timeoutMs": N}.
fd RESULT_FD: one JSON line per invocation, {"response", "requestId", "elapsedMs"} or
{"exception": "..."} if the handler raised; after stdin closes, {"modules": [...]}: the SDK
modules the process loaded. Then os._exit, as Lambda freezes or kills an environment without
running atexit hooks.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
import uuid
from typing import Any

SDK_PACKAGES = ("honeyhive", "opentelemetry", "requests", "httpx", "urllib3", "pydantic")


class LambdaContext:
    """The attributes and method of awslambdaric's LambdaContext, with a real deadline."""

    def __init__(self, timeout_ms: int) -> None:
        self._deadline = time.monotonic() + timeout_ms / 1000
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"2026/01/01/[{self.function_version}]{uuid.uuid4().hex}"
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main(task_root: str, handler_name: str, result_fd: int) -> None:
    sys.path[0] = task_root  # the task root first, as in Lambda (not this script's directory)
    module_name, _, function_name = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    with os.fdopen(result_fd, "w", buffering=1) as results:
        for line in sys.stdin:
            request = json.loads(line)
            context = LambdaContext(int(request["timeoutMs"]))
            started = time.perf_counter()
            result: dict[str, Any]
            try:
                response = handler(request["event"], context)
                result = {"response": response}
            except Exception:  # noqa: BLE001 - reported to the test, which fails on it
                result = {"exception": traceback.format_exc()}
            result["elapsedMs"] = (time.perf_counter() - started) * 1000
            result["requestId"] = context.aws_request_id
            results.write(json.dumps(result) + "\n")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in SDK_PACKAGES)
        results.write(json.dumps({"modules": loaded}) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
