"""cold_start_test: what the SDK adds to a cold start.

SDK import and tracer init are timed once at module scope (reported by every invocation);
`coldStart` is true only for an environment's first invocation; `iteration` is echoed. One
span per invocation records both, as metadata and metrics.
"""

from __future__ import annotations

from typing import Any

import _contract

FUNCTION = _contract.Function(default_test_type="cold_start")

try:
    SDK = FUNCTION.start_sdk()
except Exception as exc:  # noqa: BLE001 - every invocation then answers 500 with the cause
    FUNCTION.init.fail(exc)


def _invoke(request: _contract.Request) -> _contract.Outcome:
    iteration = request.event.iteration

    def work() -> dict[str, Any]:
        with SDK.tracer.start_span("cold_start_test"):
            SDK.tracer.enrich_span(
                metadata={
                    "cold_start": request.cold_start,
                    "iteration": iteration,
                    "test_type": request.event.test_type,
                },
                metrics={
                    "sdk_import_ms": FUNCTION.init.timings_ms["sdkImport"],
                    "tracer_init_ms": FUNCTION.init.timings_ms["tracerInit"],
                },
            )
        return {"iteration": iteration, "spanCount": 1}

    context = request.context
    return SDK.run(
        context,
        session_name=context.function_name,
        metadata={"aws_request_id": context.aws_request_id, "cold_start": request.cold_start},
        work=work,
    )


def lambda_handler(event: object, context: Any) -> dict[str, Any]:
    return FUNCTION.handle(event, context, _invoke)
