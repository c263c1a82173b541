"""Tiny handlers for the local runtime's tests: each exercises one thing Lambda does."""

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

STATE = {"invocations": 0}
print("init: module loaded")


def echo(event: Any, context: Any) -> dict[str, Any]:
    """What the function sees: its event, context, environment and import path."""
    STATE["invocations"] += 1
    print(f"echo {context.aws_request_id}")
    return {
        "event": event,
        "pid": os.getpid(),
        "invocations": STATE["invocations"],
        "requestId": context.aws_request_id,
        "functionName": context.function_name,
        "memoryLimit": context.memory_limit_in_mb,
        "remainingMs": context.get_remaining_time_in_millis(),
        "clientContext": getattr(context.client_context, "custom", None),
        "logGroup": context.log_group_name,
        "logStream": context.log_stream_name,
        "env": dict(os.environ),
        "sysPath": sys.path,
        "cwd": str(Path.cwd()),
        "layer": _layer_value(),
        "importable": sorted(m for m in ("pulumi", "pytest", "boto3") if _importable(m)),
    }


def _layer_value() -> str | None:
    try:
        import fixture_layer_mod  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(fixture_layer_mod.VALUE)


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def fail(event: Any, context: Any) -> None:
    raise ValueError("the handler failed on purpose")


def sleep(event: Any, context: Any) -> dict[str, Any]:
    print("sleeping", flush=True)
    time.sleep(float(event.get("seconds", 60)))
    return {"slept": event.get("seconds", 60), "pid": os.getpid()}


def exit_(event: Any, context: Any) -> None:
    print("exiting with 3")
    sys.exit(3)


def crash(event: Any, context: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def hog(event: Any, context: Any) -> dict[str, Any]:
    """Touch `mb` MiB so the peak RSS must show it."""
    block = bytearray(int(event.get("mb", 64)) * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return {"touched": len(block), "pid": os.getpid()}


def big(event: Any, context: Any) -> str:
    return "x" * (7 * 1024 * 1024)


def no_newline(event: Any, context: Any) -> dict[str, bool]:
    sys.stdout.write("partial line without newline")
    return {"ok": True}


def chatty(event: Any, context: Any) -> dict[str, int]:
    """Print `lines` numbered 100-character lines (a log longer than Invoke's 4 KB tail)."""
    lines = int(event.get("lines", 100))
    for number in range(lines):
        print(f"{number:06d} " + "y" * 93)
    return {"printed": lines}
