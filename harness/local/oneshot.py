"""`python -m harness local invoke`: run any handler once in a fresh local environment.

A registry of one function in a run directory of its own, invoked once, then closed and
removed: nothing is shared with a served stack but the runtime dirs.
"""

from __future__ import annotations

import os

from harness.local.config import FunctionConfig
from harness.local.invocation import EmulatedInvocation
from harness.local.layout import remove_tree
from harness.local.paths import LOCAL_BUILD
from harness.local.registry import Registry


def invoke_once(spec: FunctionConfig, event: bytes) -> EmulatedInvocation:
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
        remove_tree(workdir)
