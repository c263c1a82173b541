"""Every handler on the local runtime against the local ingest: the response contract, bad
events, and where the API key may travel.

Two invocations per environment: the first is cold, the second warm and reusing the tracer
and the init timings measured at module scope.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from harness.ingest import SESSION_START, TRACES, IngestServer
from tests.lambda_functions.environments import (
    ALL_HANDLERS,
    SDK_HANDLERS,
    Answer,
    HandlerEnvironments,
    StartLambda,
    function_name,
    sdk_env,
)
from tests.lambda_functions.event_cases import BAD_EVENTS

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


def assert_contract(
    invocation: Answer, handler: str, event: dict[str, Any], sdk_version: str
) -> None:
    """The fields every handler returns on success, with their types and meanings."""
    assert set(invocation.response) == {"statusCode", "body"}
    assert isinstance(invocation.response["body"], str)
    assert invocation.status_code == 200
    body = invocation.body
    assert set(body) >= BODY_FIELDS
    assert body["status"] == "SUCCESS"
    assert body["function"] == function_name(handler)
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
        assert body["sdkVersion"] == sdk_version
        assert str(uuid.UUID(body["sessionId"])) == body["sessionId"]
        assert body["flushSuccess"] is True
        assert body["sessionStarted"] is True
        assert body["timingsMs"]["sdkImport"] > 0
        assert body["timingsMs"]["tracerInit"] > 0
    if handler in {"cold_start_test", "baseline"}:
        assert body["iteration"] == event.get("iteration")


def start(handler: str, start_lambda: StartLambda, api_key: str, url: str) -> HandlerEnvironments:
    if handler == "baseline":
        return start_lambda(handler, {})
    return start_lambda(handler, sdk_env(api_key, url))


@pytest.mark.parametrize("handler", ALL_HANDLERS)
def test_cold_then_warm_invocation_keeps_the_contract(
    handler: str,
    start_lambda: StartLambda,
    ingest: IngestServer,
    api_key: str,
    sdk_layer_version: str,
) -> None:
    process = start(handler, start_lambda, api_key, ingest.url)
    cold, warm = (process.invoke(event) for event in EVENTS)
    for invocation, event in zip((cold, warm), EVENTS, strict=True):
        assert_contract(invocation, handler, event, sdk_layer_version)
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
    assert ingest.tokens_seen() == {SESSION_START: {api_key}, TRACES: {api_key}}
    assert ingest.secret_hits() == []
    for invocation in invocations:
        assert api_key not in invocation.response["body"]
    assert api_key not in process.logs()


def test_baseline_runs_without_the_layer_and_calls_no_network(
    start_lambda: StartLambda, ingest: IngestServer
) -> None:
    """baseline is deployed with no layer: importing anything of the SDK would fail its init."""
    process = start_lambda("baseline", {})
    for event in EVENTS:
        invocation = process.invoke(event)
        assert (invocation.status_code, invocation.body["sdkVersion"]) == (200, None)
    assert ingest.requests() == []


@pytest.mark.parametrize("handler", ALL_HANDLERS)
def test_each_bad_event_gets_400_with_the_exact_error(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    process = start(handler, start_lambda, api_key, ingest.url)
    for index, (case, event, error) in enumerate(BAD_EVENTS):
        invocation = process.invoke(event)
        body = invocation.body
        assert (invocation.status_code, body["status"], body.get("error")) == (
            400,
            "ERROR",
            error,
        ), case
        assert body["coldStart"] is (index == 0), case
        assert (body["sessionId"], body["flushSuccess"]) == (None, None), case
        assert body["requestId"] == invocation.request_id, case
    assert ingest.requests() == [], "a bad event must cost no network call"

    after = process.invoke({"test_type": "still_alive"})
    assert (after.status_code, after.body["testType"]) == (200, "still_alive")
