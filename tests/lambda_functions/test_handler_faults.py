"""A failing, slow, refusing or absent HoneyHive never holds a handler past its bound.

Each network phase of an invocation (session start, flush) gets
budget = min(FLUSH_TIMEOUT_MS, remaining time - NETWORK_MARGIN_MS). The proof is Lambda's own:
the function's Timeout is far above two budgets and far below the ingest's delays, so a handler
that waited on the network would be killed (`Sandbox.Timedout`) and fail the test; no
wall-clock bound is asserted.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from harness.ingest import ANY_ROUTE, SESSION_START, TRACES, IngestServer
from tests.lambda_functions.environments import (
    SDK_HANDLERS,
    HandlerEnvironments,
    StartLambda,
    sdk_env,
)

pytestmark = pytest.mark.slow

DELAY_S = 120.0  # far beyond the function's Timeout: only a bound returns in time

# test_type, fault (route, settings) or None, flushSuccess, sessionStarted
STEPS: list[tuple[str, tuple[str, dict[str, Any]] | None, bool, bool]] = [
    ("healthy-before", None, True, True),
    ("traces-500", (TRACES, {"status": 500}), False, True),
    ("traces-slow", (TRACES, {"delay": DELAY_S}), False, True),
    ("traces-refused", (TRACES, {"refuse": True}), False, True),
    ("session-500", (SESSION_START, {"status": 500}), True, False),
    ("all-slow", (ANY_ROUTE, {"delay": DELAY_S}), False, False),
    ("all-refused", (ANY_ROUTE, {"refuse": True}), False, False),
    ("healthy-after", None, True, True),
]


def root_test_type(span: dict[str, Any], spans: list[dict[str, Any]]) -> str:
    """The test_type recorded on the root span of `span`'s trace."""
    (root,) = (s for s in spans if s["traceId"] == span["traceId"] and not s["parentSpanId"])
    attributes = root["attributes"]
    return str(
        attributes.get("honeyhive_inputs.test_type") or attributes["honeyhive_metadata.test_type"]
    )


def assert_key_kept_secret(
    ingest: IngestServer, process: HandlerEnvironments, bodies: list[str], api_key: str
) -> None:
    assert ingest.secret_hits() == []
    assert all(tokens == {api_key} for tokens in ingest.tokens_seen().values())
    for text in (*bodies, process.logs()):
        assert api_key not in text


@pytest.mark.parametrize("handler", SDK_HANDLERS)
def test_faults_bound_the_handler_and_flush_success_tells_the_truth(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    process = start_lambda(handler, sdk_env(api_key, ingest.url))
    sessions: dict[str, str] = {}
    bodies = []
    for test_type, fault, flushed, started in STEPS:
        ingest.clear_faults()
        if fault is not None:
            ingest.set_fault(fault[0], **fault[1])
        seen = len(ingest.requests())
        invocation = process.invoke({"test_type": test_type})  # a timeout fails here
        body = invocation.body
        bodies.append(invocation.response["body"])
        assert (invocation.status_code, body["status"]) == (200, "SUCCESS"), test_type
        assert body["flushSuccess"] is flushed, test_type
        assert body["sessionStarted"] is started, test_type
        outcomes = {(r["path"], r["outcome"]) for r in ingest.requests()[seen:]}
        if fault is not None and "status" in fault[1]:
            assert (fault[0], fault[1]["status"]) in outcomes, test_type
        if fault is not None and fault[1].get("refuse"):
            assert (TRACES, "refused") in outcomes, test_type
        assert body["sessionId"] not in sessions.values(), "a session is never reused"
        sessions[test_type] = body["sessionId"]

    ingest.clear_faults()
    exported = ingest.all_spans()
    for span in exported:  # no span in any session but its own invocation's
        assert span["sessionId"] == sessions[root_test_type(span, exported)]
    for test_type, _, flushed, _ in STEPS:
        if flushed:
            assert ingest.spans(sessions[test_type]), test_type
    made_locally = ingest.sessions()[sessions["session-500"]]
    assert made_locally["started"] is False  # known from its spans only
    (span, *_) = ingest.spans(sessions["session-500"])
    assert span["attributes"]["honeyhive.session_auto_create"] is True
    assert_key_kept_secret(ingest, process, bodies, api_key)


@pytest.mark.parametrize("handler", SDK_HANDLERS)
def test_nothing_listening_is_bounded_too(
    handler: str, start_lambda: StartLambda, api_key: str
) -> None:
    """TCP-level refusal: HH_API_URL points at a port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    process = start_lambda(handler, sdk_env(api_key, dead_url))
    for test_type in ("dead-1", "dead-2"):
        invocation = process.invoke({"test_type": test_type})
        body = invocation.body
        assert (invocation.status_code, body["flushSuccess"], body["sessionStarted"]) == (
            200,
            False,
            False,
        )
        assert api_key not in invocation.response["body"]
    assert api_key not in process.logs()


def test_remaining_time_caps_the_budget_below_the_configured_timeout(
    start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    """FLUSH_TIMEOUT_MS longer than the invocation has left: Lambda's deadline wins.

    One handler suffices: the budget is computed in _contract.Sdk, shared by all three.
    """
    env = sdk_env(api_key, ingest.url, FLUSH_TIMEOUT_MS="20000")
    process = start_lambda("working_sdk_test", env, timeout_s=5)
    ingest.set_fault(ANY_ROUTE, delay=DELAY_S)
    invocation = process.invoke({"test_type": "short-deadline"})  # 20 s budgets: killed at 5 s
    assert invocation.status_code == 200
    assert invocation.body["flushSuccess"] is False


def test_protobuf_exporter_retries_are_cut_at_the_bound(
    start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    """OTel's protobuf exporter backs off and retries on 503 for up to 30 s; the flush may not."""
    env = sdk_env(api_key, ingest.url, HH_OTLP_PROTOCOL="http/protobuf")
    process = start_lambda("working_sdk_test", env)
    ingest.set_fault(TRACES, status=503)
    failed = process.invoke({"test_type": "pb-503"})  # 30 s of retries: killed at the Timeout
    assert failed.body["flushSuccess"] is False
    ingest.clear_faults()
    recovered = process.invoke({"test_type": "pb-ok"})
    assert recovered.body["flushSuccess"] is True
    assert len(ingest.spans(recovered.body["sessionId"])) == 1


@pytest.mark.parametrize("handler", SDK_HANDLERS)
def test_failed_init_answers_500_with_the_cause_and_no_key(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    """A configuration error at module scope: every invocation is a 500 that says why."""
    env = sdk_env(api_key, ingest.url, FLUSH_TIMEOUT_MS=f"soon-{api_key}")
    process = start_lambda(handler, env)
    failed = [process.invoke({"test_type": f"broken-{n}"}) for n in range(2)]
    for invocation in failed:
        assert (invocation.status_code, invocation.body["status"]) == (500, "ERROR")
        assert invocation.body["error"] == (
            "SDK initialisation failed: ValueError: FLUSH_TIMEOUT_MS must be a positive "
            "integer (milliseconds), got 'soon-[redacted]'"
        )
    assert [i.body["coldStart"] for i in failed] == [True, False]
    assert process.invoke([]).status_code == 400  # the event is still checked first
    assert ingest.requests() == []
    bodies = [i.response["body"] for i in failed]
    assert_key_kept_secret(ingest, process, bodies, api_key)
