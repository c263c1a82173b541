"""The SDK functions' spans reach the backend in the session they reported, and the API key
stays out of the outputs, every response and every log tail."""

from __future__ import annotations

import pytest

from harness.postdeploy.checks import EXPECTED_SPANS, secret_findings, span_problems
from harness.postdeploy.measure import RunRecord
from tests.deployed.support import phase_problems, require


@pytest.mark.parametrize("key", sorted(EXPECTED_SPANS))
def test_each_session_has_its_spans(run: RunRecord, key: str) -> None:
    if run.spans_skipped:
        pytest.skip(run.spans_skipped)
    function = run.functions[key]
    problems = phase_problems(function, "spans")
    sessions = function.sessions()
    if not sessions:
        problems.append(f"{key}: no invocation reported a sessionId")
    for session in sessions:
        found = function.spans.get(session, [])
        problems += span_problems(key, session, EXPECTED_SPANS[key], found)
    require(run, problems)


def test_api_key_is_absent_from_outputs_responses_and_logs(run: RunRecord) -> None:
    if run.api_key is None:
        pytest.fail(
            "no SDK function has HH_API_KEY in its configuration (GetFunctionConfiguration): "
            "the deployment is incomplete, and the key cannot be looked for",
            pytrace=False,
        )
    invocations = [
        (key, invocation)
        for key, function in run.functions.items()
        for invocation in function.invocations()
    ]
    require(run, secret_findings(run.api_key, run.target.outputs_text(), invocations))
