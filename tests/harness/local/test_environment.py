"""One function's environments on the real RIE + awslambdaric: what the function sees, what is
measured, and how each failure looks (as Lambda's)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from harness.lambda_report import parse_report
from harness.local.invocation import EmulatedInvocation
from harness.local.toolchain import Toolchain
from tests.harness.local.fixtures import (
    BROKEN,
    LAYER_VALUE,
    RUNTIME,
    all_dead,
    layer_zip,
    needs_sandbox,
    wait_until,
)

pytestmark = pytest.mark.slow


def body(invocation: EmulatedInvocation) -> Any:
    return json.loads(invocation.payload)


@needs_sandbox
def test_the_function_sees_lambdas_environment_and_nothing_of_the_venv(pools: Any) -> None:
    pool = pools("echo-fn", "echo", environment={"APP_SETTING": "on"}, memory_size=256, timeout=7)
    assert pool.sandboxed
    first, second = pool.invoke(b'{"k": "v"}'), pool.invoke(b"{}")
    seen = body(first)
    assert seen["event"] == {"k": "v"}
    assert seen["cwd"] == "/var/task"
    assert seen["sysPath"][:5] == [
        "/var/task",  # the script's directory: cwd, which is the task root, as in Lambda
        "/var/task",
        f"/opt/python/lib/{RUNTIME}/site-packages",
        "/opt/python",
        "/var/runtime",
    ]
    assert all(entry.startswith(("/var/", "/opt/")) for entry in seen["sysPath"])
    assert seen["importable"] == ["boto3"]  # the runtime dir's boto3; no pulumi, no pytest
    env = seen["env"]
    assert env["APP_SETTING"] == "on"
    assert (env["LAMBDA_TASK_ROOT"], env["LAMBDA_RUNTIME_DIR"]) == ("/var/task", "/var/runtime")
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{RUNTIME}"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert (env["TZ"], env["LANG"], env["PWD"]) == (":UTC", "en_US.UTF-8", "/var/task")
    assert env["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    assert env["LD_LIBRARY_PATH"] == (
        "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib"
        ":/opt/lib"
    )
    assert "AWS_LAMBDA_FUNCTION_TIMEOUT" not in env  # only the RIE reads it; Lambda has none
    assert "HOME" not in env and "VIRTUAL_ENV" not in env and "PYTHONDONTWRITEBYTECODE" not in env
    assert all(
        env[key] for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    )
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    traces = {env["_X_AMZN_TRACE_ID"], body(second)["env"]["_X_AMZN_TRACE_ID"]}
    assert len(traces) == 2  # a new trace header for every invocation
    assert all(re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", t)
               for t in traces)  # fmt: skip
    assert (seen["functionName"], seen["memoryLimit"]) == ("echo-fn", "256")
    assert seen["functionArn"] == pool.spec.arn
    assert seen["logGroup"] == "/aws/lambda/echo-fn"
    assert "[$LATEST]" in seen["logStream"]
    assert 0 < seen["remainingMs"] <= 7000


def test_without_the_sandbox_the_paths_are_the_hosts(
    pools: Any, tmp_path: Path, tools: Toolchain
) -> None:
    pool = pools(
        "host-fn", "echo", pool_options={"sandboxed": False}, layers=(layer_zip(tmp_path),)
    )
    seen = body(pool.invoke(b"{}"))
    task = Path(seen["cwd"])
    assert task == (tmp_path / "host-fn" / "task").resolve()
    opt = Path(seen["env"]["PYTHONPATH"].split(":")[2]).parent
    assert seen["sysPath"][:5] == [
        str(task),
        str(task),
        f"{opt}/python/lib/{RUNTIME}/site-packages",
        f"{opt}/python",
        str(tools.runtime_dir),
    ]
    assert seen["layer"] == LAYER_VALUE
    assert seen["env"]["PATH"].startswith(f"{tools.interpreter.parent}:/usr/local/bin:")
    assert seen["env"]["PYTHONDONTWRITEBYTECODE"] == "1"  # the code and the layer cache are ours
    assert "AWS_LAMBDA_FUNCTION_TIMEOUT" not in seen["env"]
    assert not list(task.rglob("__pycache__"))


def test_cold_then_warm(pools: Any) -> None:
    pool = pools("warm-fn", "echo")
    cold, warm = pool.invoke(b"{}"), pool.invoke(b"{}")
    assert cold.report.init_duration_ms is not None and cold.report.init_duration_ms > 0
    assert warm.report.init_duration_ms is None
    assert body(warm)["instance"] == body(cold)["instance"]
    assert body(warm)["invocations"] == 2
    assert cold.report.billed_duration_ms >= cold.report.init_duration_ms  # init is billed
    assert parse_report(cold.log).text() == cold.report.text()
    assert cold.log.index("init: module loaded") < cold.log.index("START RequestId")
    assert f"echo {cold.request_id}" in cold.log
    assert body(cold)["requestId"] == cold.request_id
    assert cold.log.endswith(cold.report.text() + "\n")


def test_max_memory_used_is_the_runtimes_real_peak(pools: Any) -> None:
    pool = pools("hog-fn", "hog", memory_size=512)
    small = pools("small-fn", "echo").invoke(b"{}").report.max_memory_used_mb
    big = pool.invoke(b'{"mb": 96}').report.max_memory_used_mb
    assert 5 < small < 96 <= big < 512


def test_a_handled_error_keeps_the_environment_warm(pools: Any) -> None:
    pool = pools("fail-fn", "fail")
    first, second = pool.invoke(b"{}"), pool.invoke(b"{}")
    assert first.function_error == "Unhandled"
    assert body(first)["errorType"] == "ValueError"
    assert body(first)["errorMessage"] == "the handler failed on purpose"
    assert body(first)["requestId"] == first.request_id
    assert first.report.status == "success"
    assert second.report.init_duration_ms is None


def test_timeout_kills_the_runtime_and_the_environment_is_replaced(pools: Any) -> None:
    pool = pools("slow-fn", "sleep", timeout=1)
    pids: set[int] = set()

    def runtime_started() -> bool:
        pids.update(pool.pids())
        return len(pids) >= 2  # the RIE and the runtime under it

    watcher = threading.Thread(target=wait_until, args=(runtime_started, 10, "the runtime"))
    watcher.start()
    timed_out = pool.invoke(b'{"seconds": 30}')
    watcher.join()
    assert timed_out.function_error == "Unhandled"
    assert body(timed_out) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": (
            f"RequestId: {timed_out.request_id} Error: Task timed out after 1.00 seconds"
        ),
    }
    assert timed_out.report.status == "timeout"
    assert timed_out.report.duration_ms == 1000.0
    assert f"{timed_out.request_id} Task timed out after 1.00 seconds" in timed_out.log
    assert timed_out.log.rstrip().endswith("Status: timeout")
    assert [e.message.split("\t")[-1] for e in timed_out.events if "\n" in e.message] == [
        "going to sleep\nfor 30 s"  # written before the kill: read, one event
    ]
    assert all_dead(list(pids)), f"still alive after the timeout: {pids}"
    assert pool.state().idle == 0
    again = pool.invoke(b'{"seconds": 0}')
    assert again.report.init_duration_ms is not None  # a new, cold environment


def test_import_error_is_runtime_import_module_error(pools: Any) -> None:
    pool = pools("broken-fn", "broken.handler", code=BROKEN)
    failed = pool.invoke(b"{}")
    assert failed.function_error == "Unhandled"
    assert body(failed)["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'broken'" in body(failed)["errorMessage"]
    assert (failed.report.status, failed.report.error_type) == (
        "error",
        "Runtime.ImportModuleError",
    )
    assert "INIT_REPORT Init Duration" in failed.log
    assert pool.state().idle == 0


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        ("exit_", "Runtime exited with error: exit status 3"),
        ("crash", "Runtime exited with error: signal: killed"),
    ],
)
def test_exit_or_crash_is_runtime_exit_error_and_replaces_the_environment(
    pools: Any, handler: str, message: str
) -> None:
    pool = pools(f"{handler.strip('_')}-fn", handler)
    failed = pool.invoke(b"{}")
    assert failed.function_error == "Unhandled"
    assert body(failed) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {failed.request_id} Error: {message}",
    }
    assert (failed.report.status, failed.report.error_type) == ("error", "Runtime.ExitError")
    assert [e.message.split("\t")[-1] for e in failed.events if "\n" in e.message] == [
        "last record\nbefore the end"  # written before the runtime died: read, one event
    ]
    assert pool.pids() == []
    replaced = pool.invoke(b"{}")
    assert replaced.report.init_duration_ms is not None


def test_an_oversize_response_is_function_response_size_too_large(pools: Any) -> None:
    failed = pools("big-fn", "big").invoke(b"{}")
    assert failed.function_error == "Unhandled"
    assert body(failed)["errorType"] == "Function.ResponseSizeTooLarge"


def test_output_without_newline_stays_in_this_invocations_log(pools: Any) -> None:
    invocation = pools("partial-fn", "no_newline").invoke(b"{}")
    lines = invocation.log.splitlines()
    assert "partial line without newline" in lines
    assert lines[-2] == f"END RequestId: {invocation.request_id}"


def test_json_log_format_writes_platform_events(pools: Any) -> None:
    pool = pools("json-fn", "echo", log_format="JSON", memory_size=256)
    cold, warm = pool.invoke(b"{}"), pool.invoke(b"{}")
    events = [json.loads(line) for line in cold.log.splitlines() if line.startswith("{")]
    assert [e["type"] for e in events] == [
        "platform.initStart",
        "platform.start",
        "platform.report",
    ]
    init = events[0]["record"]
    assert (init["initializationType"], init["phase"], init["functionName"]) == (
        "on-demand",
        "init",
        "json-fn",
    )
    assert init["runtimeVersion"] == f"python:{RUNTIME.removeprefix('python')}.local"
    assert init["runtimeVersionArn"].startswith("arn:aws:lambda:us-east-1::runtime:")
    assert init["instanceMaxMemory"] == 256 * 1024 * 1024
    assert events[1]["record"] == {
        "requestId": cold.request_id,
        "functionArn": pool.spec.arn,
        "version": "$LATEST",
    }
    warm_events = [json.loads(line)["type"] for line in warm.log.splitlines() if line[:1] == "{"]
    assert warm_events == ["platform.start", "platform.report"]
    logged = pool.invoke(b'{"log": "record one\\nrecord two", "print": "one\\ntwo"}')
    (record,) = [event for event in logged.events if "record one" in event.message]
    fields = json.loads(record.message)
    assert (fields["message"], fields["level"]) == ("record one\nrecord two", "WARNING")
    assert (fields["requestId"], record.level) == (logged.request_id, "WARN")  # the frame's
    start, report = logged.events[0], logged.events[-1]
    assert start.timestamp_ms <= record.timestamp_ms <= report.timestamp_ms
    assert [event.message for event in logged.events if event.message in {"one", "two"}] == [
        "one",
        "two",
    ]
    parsed = parse_report(cold.log)
    assert parsed.request_id == cold.request_id
    assert parsed.duration_ms == pytest.approx(cold.report.duration_ms, abs=0.001)


def test_a_cold_text_log_starts_with_init_start(pools: Any) -> None:
    pool = pools("init-start-fn", "echo")
    cold, warm = pool.invoke(b"{}"), pool.invoke(b"{}")
    first = cold.log.splitlines()[0]
    fields = first.split()  # CloudWatch Contributor Insights' rule: fields 1, 4 and 8
    assert (fields[0], fields[3]) == (
        "INIT_START",
        f"python:{RUNTIME.removeprefix('python')}.local",
    )
    assert re.fullmatch(r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}", fields[7])
    assert "\tRuntime Version ARN: " in first
    assert "INIT_START" not in warm.log
