"""basic_tracing: @trace-decorated nested spans carrying the Lambda invocation's facts.

Per invocation: `basic_tracing.handle` (the request id, remaining time, memory limit, function
name and version as metadata) with two children, `basic_tracing.validate` and
`basic_tracing.transform`, all in the invocation's own session.
"""

from __future__ import annotations

from typing import Any

import _contract

FUNCTION = _contract.Function(default_test_type="basic_tracing")


def _validate(data: dict[str, Any]) -> int:
    return len(data)


def _transform(data: dict[str, Any]) -> dict[str, str]:
    return {str(key): type(value).__name__ for key, value in data.items()}


def _handle(test_type: str, data: dict[str, Any], lambda_facts: dict[str, Any]) -> None:
    """The parent span: the Lambda facts as its metadata, then the two children."""
    SDK.tracer.enrich_span(metadata=lambda_facts)
    validate(data)
    transform(data)


try:
    SDK = FUNCTION.start_sdk()
    validate = SDK.trace(_validate, event_type="tool", event_name="basic_tracing.validate")
    transform = SDK.trace(_transform, event_type="tool", event_name="basic_tracing.transform")
    handle = SDK.trace(_handle, event_type="chain", event_name="basic_tracing.handle")
except Exception as exc:  # noqa: BLE001 - every invocation then answers 500 with the cause
    FUNCTION.init.fail(exc)


def _invoke(request: _contract.Request) -> _contract.Outcome:
    context = request.context

    def work() -> dict[str, Any]:
        facts = {
            "aws_request_id": context.aws_request_id,
            "remaining_time_ms": context.get_remaining_time_in_millis(),
            "memory_limit_mb": int(context.memory_limit_in_mb),
            "function_name": context.function_name,
            "function_version": context.function_version,
        }
        handle(request.event.test_type, request.event.data or {}, facts)
        return {"spanCount": 3}  # the parent and its two children

    return SDK.run(
        context,
        session_name=context.function_name,
        metadata={"aws_request_id": context.aws_request_id},
        work=work,
    )


def lambda_handler(event: object, context: Any) -> dict[str, Any]:
    return FUNCTION.handle(event, context, _invoke)
