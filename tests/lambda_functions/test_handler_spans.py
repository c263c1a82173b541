"""What the SDK handlers export: span names, attributes, nesting, and one session each.

Each invocation's spans must arrive in the session its response names, and nowhere else.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.ingest import IngestServer
from tests.lambda_functions.environments import (
    MEMORY_MB,
    SDK_HANDLERS,
    TIMEOUT_S,
    Answer,
    StartLambda,
    sdk_env,
)

pytestmark = pytest.mark.slow

EVENTS: list[dict[str, Any]] = [
    {"test_type": "first", "data": {"message": "CI test", "nested": {"n": [1, 2.5, None]}}},
    {"test_type": "second", "data": {"other": True}, "iteration": 7},
]


def invoke_twice(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> list[Answer]:
    process = start_lambda(handler, sdk_env(api_key, ingest.url))
    invocations = [process.invoke(event) for event in EVENTS]
    assert all(i.body["flushSuccess"] is True for i in invocations)
    return invocations


def assert_one_session_each(ingest: IngestServer, invocations: list[Answer]) -> None:
    """Every span is in the session of the invocation that made it; sessions were started."""
    session_ids = [i.body["sessionId"] for i in invocations]
    sessions = ingest.sessions()
    assert set(sessions) == set(session_ids)
    for invocation in invocations:
        session = sessions[invocation.body["sessionId"]]
        assert session["started"] is True
        assert session["request"]["session_name"] == invocation.body["function"]
        assert session["request"]["metadata"]["aws_request_id"] == invocation.request_id
        assert session["spanCount"] == invocation.body["spanCount"]
    assert sum(len(ingest.spans(s)) for s in session_ids) == len(ingest.all_spans())


def test_working_sdk_test_exports_one_span_with_the_event(
    start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    invocations = invoke_twice("working_sdk_test", start_lambda, ingest, api_key)
    assert_one_session_each(ingest, invocations)
    scopes = set()
    for invocation, event in zip(invocations, EVENTS, strict=True):
        (span,) = ingest.spans(invocation.body["sessionId"])
        attributes = span["attributes"]
        assert span["name"] == "working_sdk_test"
        assert span["parentSpanId"] is None
        assert attributes["honeyhive.session_id"] == invocation.body["sessionId"]
        assert attributes["honeyhive_event_type"] == "tool"
        assert attributes["honeyhive_inputs.test_type"] == event["test_type"]
        assert json.loads(attributes["honeyhive_inputs.data"]) == event["data"]
        assert attributes["honeyhive.project"] == "lambda-ci-test"
        assert attributes["honeyhive.source"] == "pytest"
        assert span["startTimeUnixNano"] <= span["endTimeUnixNano"]
        scopes.add((span["scope"]["name"], span["resource"]["service.instance.id"]))
    assert len(scopes) == 1, "a warm invocation must reuse the tracer made at init"


def test_cold_start_test_records_cold_start_iteration_and_init_cost(
    start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    invocations = invoke_twice("cold_start_test", start_lambda, ingest, api_key)
    assert_one_session_each(ingest, invocations)
    for invocation, event in zip(invocations, EVENTS, strict=True):
        (span,) = ingest.spans(invocation.body["sessionId"])
        attributes = span["attributes"]
        assert span["name"] == "cold_start_test"
        assert attributes["honeyhive_metadata.cold_start"] is invocation.body["coldStart"]
        assert attributes.get("honeyhive_metadata.iteration") == event.get("iteration")
        assert attributes["honeyhive_metadata.test_type"] == event["test_type"]
        timings = invocation.body["timingsMs"]
        assert attributes["honeyhive_metrics.sdk_import_ms"] == timings["sdkImport"]
        assert attributes["honeyhive_metrics.tracer_init_ms"] == timings["tracerInit"]
    assert [i.body["coldStart"] for i in invocations] == [True, False]


def test_basic_tracing_nests_two_children_under_a_parent_with_lambda_facts(
    start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    invocations = invoke_twice("basic_tracing", start_lambda, ingest, api_key)
    assert_one_session_each(ingest, invocations)
    for invocation, event in zip(invocations, EVENTS, strict=True):
        spans = {span["name"]: span for span in ingest.spans(invocation.body["sessionId"])}
        assert set(spans) == {
            "basic_tracing.handle",
            "basic_tracing.validate",
            "basic_tracing.transform",
        }
        parent = spans.pop("basic_tracing.handle")
        assert parent["parentSpanId"] is None
        for child in spans.values():
            assert child["parentSpanId"] == parent["spanId"]
            assert child["traceId"] == parent["traceId"]
            assert json.loads(child["attributes"]["honeyhive_inputs.data"]) == event["data"]
        facts = _metadata(parent["attributes"])
        assert facts["aws_request_id"] == invocation.request_id
        assert facts["function_name"] == invocation.body["function"]
        assert facts["function_version"] == "$LATEST"
        assert facts["memory_limit_mb"] == MEMORY_MB
        assert 0 < facts["remaining_time_ms"] <= TIMEOUT_S * 1000


def _metadata(attributes: dict[str, Any]) -> dict[str, Any]:
    prefix = "honeyhive_metadata."
    return {k.removeprefix(prefix): v for k, v in attributes.items() if k.startswith(prefix)}


@pytest.mark.parametrize("handler", SDK_HANDLERS)
def test_otlp_protobuf_with_gzip_arrives_the_same_way(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    env = sdk_env(
        api_key,
        ingest.url,
        HH_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="gzip",
    )
    process = start_lambda(handler, env)
    invocation = process.invoke(EVENTS[0])
    assert invocation.body["flushSuccess"] is True
    spans = ingest.spans(invocation.body["sessionId"])
    assert len(spans) == invocation.body["spanCount"]
    exports = [r for r in ingest.requests() if r["path"] == "/opentelemetry/v1/traces"]
    assert {(r["contentType"], r["contentEncoding"], r["outcome"]) for r in exports} == {
        ("application/x-protobuf", "gzip", 200)
    }
