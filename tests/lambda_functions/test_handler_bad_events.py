"""Every handler answers each bad event with 400 and the exact problem, and stays healthy."""

from __future__ import annotations

import pytest

from harness.ingest import IngestServer
from tests.lambda_functions.event_cases import BAD_EVENTS
from tests.lambda_functions.lambda_process import ALL_HANDLERS, StartLambda, function_env, sdk_env

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("handler", ALL_HANDLERS)
def test_each_bad_event_gets_400_with_the_exact_error(
    handler: str, start_lambda: StartLambda, ingest: IngestServer, api_key: str
) -> None:
    env = function_env(handler) if handler == "baseline" else sdk_env(handler, api_key, ingest.url)
    process = start_lambda(handler, env)
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
