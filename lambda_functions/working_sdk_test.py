"""working_sdk_test: end to end through honeyhive 1.7, one traced span per invocation.

The tracer is made once at module scope and reused by warm invocations. Each invocation gets
its own session; its span records the event's test_type and data the way the SDK's @trace
records arguments (`honeyhive_inputs.test_type`, `honeyhive_inputs.data` as a JSON string).
"""

from __future__ import annotations

from typing import Any

import _contract

FUNCTION = _contract.Function(default_test_type="working_sdk")


def _process(test_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The traced unit of work: its arguments become the span's inputs."""
    return {"testType": test_type, "dataKeys": sorted(data)}


try:
    SDK = FUNCTION.start_sdk()
    traced_process = SDK.trace(_process, event_type="tool", event_name="working_sdk_test")
except Exception as exc:  # noqa: BLE001 - every invocation then answers 500 with the cause
    FUNCTION.init.fail(exc)


def _invoke(request: _contract.Request) -> _contract.Outcome:
    def work() -> dict[str, Any]:
        traced_process(request.event.test_type, request.event.data or {})
        return {"spanCount": 1}

    context = request.context
    return SDK.run(
        context,
        session_name=context.function_name,
        metadata={"aws_request_id": context.aws_request_id, "test_type": request.event.test_type},
        work=work,
    )


def lambda_handler(event: object, context: Any) -> dict[str, Any]:
    return FUNCTION.handle(event, context, _invoke)
