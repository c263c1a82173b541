"""Every handler, in a fresh process against the local ingest: the response contract.

Two invocations per environment: the first is cold, the second warm and reusing the tracer
and the init timings measured at module scope.
"""

from __future__ import annotations

import importlib.metadata
import uuid
from typing import Any

import pytest

from harness.ingest import SESSION_START, TRACES, IngestServer
from tests.lambda_functions.lambda_process import (
    ALL_HANDLERS,
    SDK_HANDLERS,
    Invocation,
    LambdaProcess,
    StartLambda,
    function_env,
    sdk_env,
)

pytestmark = pytest.mark.slow

EVENTS = [
    {"test_type": "ci_validation", "data": {"message": "CI test"}, "iteration": 1},
    {"iteration": 2, "ignored": "unknown fields are ignored"},
]
DEFAULT_TEST_TYPES = {
    "working_sdk_test": "working_sdk",
    "cold_start_test": "cold_start",
    "basic_tracing": "basic_tracing",
    "baseline": "baseline",
}
BODY_FIELDS = {
    "status",
    "function",
    "requestId",
    "coldStart",
    "sdkVersion",
    "timingsMs",
    "flushSuccess",
    "sessionId",
    "testType",
}


def assert_contract(invocation: Invocation, handler: str, event: dict[str, Any]) -> None:
    """The fields every handler returns on success, with their types and meanings."""
    assert set(invocation.response) == {"statusCode", "body"}
    assert isinstance(invocation.response["body"], str)
    assert invocation.status_code == 200
    body = invocation.body
    assert set(body) >= BODY_FIELDS
    assert body["status"] == "SUCCESS"
    assert body["function"] == f"honeyhive-pytest-{handler}"
    assert body["requestId"] == invocation.request_id
    assert isinstance(body["coldStart"], bool)
    assert body["testType"] == event.get("test_type", DEFAULT_TEST_TYPES[handler])
    assert set(body["timingsMs"]) == {"sdkImport", "tracerInit", "handler", "flush"}
    assert all(isinstance(v, int | float) and v >= 0 for v in body["timingsMs"].values())
    if handler == "baseline":
        assert body["sdkVersion"] is None
        assert body["sessionId"] is None
        assert body["flushSuccess"] is None
        assert body["timingsMs"]["sdkImport"] == body["timingsMs"]["tracerInit"] == 0
    else:
        assert body["sdkVersion"] == importlib.metadata.version("honeyhive")
        assert str(uuid.UUID(body["sessionId"])) == body["sessionId"]
        assert body["flushSuccess"] is True
        assert body["sessionStarted"] is True
        assert body["timingsMs"]["sdkImport"] > 0
        assert body["timingsMs"]["tracerInit"] > 0
    if handler in {"cold_start_test", "baseline"}:
        assert body["iteration"] == event.get("iteration")


def start(handler: str, start_lambda: StartLambda, api_key: str, url: str) -> LambdaProcess:
    if handler == "baseline":
        return start_lambda(handler, function_env(handler))
    return start_lambda(handler, sdk_env(handler, api_key, url))


@pytest.mark.parametrize("handler", ALL_HANDLERS)
def test_cold_then_warm_invocation_keeps_the_contract(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    process = start(handler, start_lambda, api_key, ingest.url)
    cold, warm = (process.invoke(event) for event in EVENTS)
    for invocation, event in zip((cold, warm), EVENTS, strict=True):
        assert_contract(invocation, handler, event)
    assert (cold.body["coldStart"], warm.body["coldStart"]) == (True, False)
    for phase in ("sdkImport", "tracerInit"):  # measured once, at module scope
        assert cold.body["timingsMs"][phase] == warm.body["timingsMs"][phase]
    if handler != "baseline":
        assert cold.body["sessionId"] != warm.body["sessionId"]


@pytest.mark.parametrize("handler", SDK_HANDLERS)
def test_api_key_travels_only_in_the_authorization_header(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    process = start(handler, start_lambda, api_key, ingest.url)
    invocations = [process.invoke(event) for event in EVENTS]
    process.close()
    assert ingest.tokens_seen() == {SESSION_START: {api_key}, TRACES: {api_key}}
    assert ingest.secret_hits() == []
    for invocation in invocations:
        assert api_key not in invocation.response["body"]
    assert api_key not in process.stdout()
    assert api_key not in process.stderr()


def test_baseline_loads_no_sdk_and_calls_no_network(
    start_lambda: StartLambda, ingest: IngestServer
) -> None:
    process = start_lambda("baseline", function_env("baseline"))
    for event in EVENTS:
        assert process.invoke(event).status_code == 200
    process.close()
    assert process.modules == []
    assert ingest.requests() == []
