"""Invocations as the suite records them, built from REPORT lines written by the same
`harness.lambda_report.Report` the local runtime uses (no network)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from harness.lambda_report import Report, billed_duration_ms
from harness.postdeploy.invoke import Invocation, invocation_from
from harness.postdeploy.target import FunctionOutput, Target, parse_outputs
from infra.spec import FUNCTIONS

REGION = "us-east-1"
KEYS = tuple(FUNCTIONS)
SDK = {"version": "1.7.0", "kind": "release", "commit": "", "dirty": False}


def outputs(stack: str = "t", **extra: Any) -> dict[str, Any]:
    functions = {
        key: {
            "name": f"honeyhive-{stack}-{key.replace('_', '-')}",
            "arn": f"arn:aws:lambda:{REGION}:123456789012:function:honeyhive-{stack}-"
            f"{key.replace('_', '-')}",
            "runtime": "python3.13",
            "memorySize": 512 if key == "working_sdk_test" else 256,
            "timeout": 30,
            "logGroup": f"/aws/lambda/honeyhive-{stack}-{key.replace('_', '-')}",
        }
        for key in KEYS
    }
    return {"functions": functions, "layerArns": {}, "region": REGION, "sdk": SDK, **extra}


BASE_SDK = {"version": "1.6.1", "kind": "requirement", "commit": "", "dirty": False}
BASE_NAME = "honeyhive-t-working-sdk-test-base"


def base_function(*, without: str = "") -> dict[str, object]:
    function: dict[str, object] = {
        "name": BASE_NAME,
        "arn": f"arn:aws:lambda:us-east-1:123456789012:function:{BASE_NAME}",
        "runtime": "python3.12",
        "memorySize": 512,
        "timeout": 30,
        "logGroup": f"/aws/lambda/{BASE_NAME}",
    }
    function.pop(without, None)
    return function


def base_output(**changes: object) -> dict[str, object]:
    """The `base` output of a stack with `baseSdk`: BENCH_FUNCTION again, on the base's layer."""
    return {"function": base_function(), "sdk": BASE_SDK, **changes}


def target(**extra: Any) -> Target:
    return parse_outputs(outputs(**extra), "test outputs")


def body(function: FunctionOutput, request_id: str, event: Any, *, cold: bool) -> dict[str, Any]:
    sdk = function.sdk
    document: dict[str, Any] = {
        "status": "SUCCESS",
        "function": function.name,
        "requestId": request_id,
        "coldStart": cold,
        "sdkVersion": SDK["version"] if sdk else None,
        "timingsMs": {"sdkImport": 600.0, "tracerInit": 20.0, "handler": 5.0, "flush": 4.0},
        "flushSuccess": True if sdk else None,
        "sessionId": str(uuid.uuid4()) if sdk else None,
        "testType": event.get("test_type") if isinstance(event, dict) else None,
    }
    if isinstance(event, dict) and "iteration" in event:
        document["iteration"] = event["iteration"]
    return document


def invocation(
    function: FunctionOutput,
    event: Any,
    *,
    duration: float = 12.5,
    init: float | None = None,
    json_log: bool = False,
    status_code: int = 200,
    body_changes: dict[str, Any] | None = None,
    memory_used_mb: int = 70,
) -> Invocation:
    request_id = str(uuid.uuid4())
    billed = billed_duration_ms(duration, init)
    report = Report(request_id, duration, billed, function.memory_size, memory_used_mb, init)
    line = json.dumps(report.json_record()) if json_log else report.text()
    log = f"START RequestId: {request_id} Version: $LATEST\nEND RequestId: {request_id}\n{line}\n"
    document = body(function, request_id, event, cold=init is not None) | (body_changes or {})
    payload = json.dumps({"statusCode": status_code, "body": json.dumps(document)})
    return invocation_from(
        name=function.name,
        event=event,
        request_id=request_id,
        function_error=None,
        payload_text=payload,
        log=log,
    )
