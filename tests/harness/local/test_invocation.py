"""RIE results mapped onto what Lambda answers and logs (the cases real runs cannot produce on
demand: an out-of-memory kill that came after the response, a retried init, JSON records)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from harness.lambda_report import parse_report
from harness.local.config import FunctionConfig
from harness.local.environment import RawResult
from harness.local.invocation import build, init_timeout_prelude
from harness.local.log_event import LogEvent
from harness.local.watch import Verdict
from tests.harness.local.fixtures import HANDLERS

RID = "0d4b6c1e-3f2a-4b5c-9d8e-7f6a5b4c3d2e"


def function(**changes: Any) -> FunctionConfig:
    return FunctionConfig(name="fn", handler="app.echo", code=HANDLERS, **changes)


def raw(**changes: Any) -> RawResult:
    settings: dict[str, Any] = {
        "request_id": RID,
        "status": 200,
        "body": b'{"ok": true}',
        "started_at": datetime(2026, 1, 1, tzinfo=UTC),
        "duration_ms": 12.5,
        "wall_ms": 13.0,
        "peak_rss_kb": 40 * 1024,
        "runtime_version": "python:3.13.local",
        "runtime_version_arn": "arn:aws:lambda:us-east-1::runtime:" + "0" * 64,
        "log_stream": "2026/01/01/[$LATEST]abc",
    }
    settings.update(changes)
    return RawResult(**settings)


def test_a_response_over_memory_size_is_still_out_of_memory() -> None:
    """The peak crossed MemorySize between two samples: Lambda would have killed the runtime."""
    invocation = build(raw(verdict=Verdict.OUT_OF_MEMORY, peak_rss_kb=300 * 1024), function())
    assert invocation.function_error == "Unhandled"
    assert json.loads(invocation.payload)["errorType"] == "Runtime.OutOfMemory"
    assert invocation.report.max_memory_used_mb == 128
    assert not invocation.reusable
    assert f"RequestId: {RID} Error: Runtime exited with error: signal: killed\nRuntime.Out" in (
        invocation.log
    )


def test_a_retried_init_is_logged_once_and_counted_in_the_duration() -> None:
    spec = function(timeout=5)
    failed = raw(
        status=502,
        init_ms=1000.0,
        init_lines=[LogEvent("loading...", 0)],
        verdict=Verdict.INIT_TIMEOUT,
    )
    prelude = init_timeout_prelude(failed, spec, budget_s=1.0)
    retried = raw(init_ms=1500.0, init_in_timeout=True, init_lines=[LogEvent("loaded", 0)])
    invocation = build(retried, spec, prelude)
    lines = invocation.log.splitlines()
    assert lines[0].startswith("INIT_START Runtime Version: python:3.13.local\t")
    assert lines[1:3] == [
        "loading...",
        "INIT_REPORT Init Duration: 1000.00 ms\tPhase: init\tStatus: timeout",
    ]
    assert lines[3:5] == [f"START RequestId: {RID} Version: $LATEST", "loaded"]
    report = parse_report(invocation.log)
    assert report.init_duration_ms is None
    assert report.duration_ms == 1512.5
    assert report.billed_duration_ms == 1513


def test_json_records_for_init_failures() -> None:
    spec = function(log_format="JSON")
    failed = raw(
        status=502,
        body=json.dumps(
            {"errorType": "Runtime.ImportModuleError", "errorMessage": "Unable to import module"}
        ).encode(),
        init_ms=80.0,
        init_status="error",
    )
    events = [json.loads(line) for line in build(failed, spec).log.splitlines()]
    assert [event["type"] for event in events] == [
        "platform.initStart",
        "platform.initReport",
        "platform.start",
        "platform.report",
    ]
    assert events[1]["record"] == {
        "initializationType": "on-demand",
        "phase": "init",
        "status": "error",
        "metrics": {"durationMs": 80.0},
        "errorType": "Runtime.ImportModuleError",
    }
    assert events[0]["record"]["instanceId"] == "2026/01/01/[$LATEST]abc"
