"""`python -m harness local invoke`: run any handler once in a fresh local environment.

The response payload goes to stdout (so it can be piped); the execution log (the function's
output, START, END and the REPORT line) to stderr. Exit status 0 when the function succeeded,
1 on a function error (X-Amz-Function-Error), as Lambda's Invoke reports it.
"""

from __future__ import annotations

import os
import shutil
import sys

from harness.local.invocation import Invocation
from harness.local.paths import LOCAL_BUILD
from harness.local.registry import Registry
from harness.local.spec import FunctionSpec


def invoke_once(spec: FunctionSpec, event: bytes) -> Invocation:
    workdir = LOCAL_BUILD / "run" / f"invoke-{os.getpid()}"
    registry = Registry(
        [spec],
        runtime_root=LOCAL_BUILD / "runtime",
        workdir=workdir,
        layer_cache=workdir / ".layers",  # one run: nothing to share (no function has a dot)
    )
    try:
        (record,) = registry.functions()
        return registry.invoke(record, event)
    finally:
        registry.close()
        shutil.rmtree(workdir, ignore_errors=True)


def run(spec: FunctionSpec, event: bytes) -> int:
    invocation = invoke_once(spec, event)
    sys.stderr.write(invocation.log)
    sys.stdout.write(invocation.payload.decode("utf-8", errors="replace") + "\n")
    if invocation.function_error:
        print(
            f"local: function error ({invocation.function_error}): {invocation.error_type}",
            file=sys.stderr,
        )
        return 1
    return 0
