"""What each measured invocation must satisfy. Every check returns its problems as sentences
that name the function, the invocation and the value; an empty list means it passed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness.postdeploy.importtime import ImportProfile
from harness.postdeploy.invoke import Invocation
from harness.postdeploy.spans import SpanRecord
from harness.postdeploy.stats import percentile
from harness.postdeploy.target import FunctionOutput
from harness.secret import Secret
from infra.spec import FUNCTIONS

TIMINGS = ("sdkImport", "tracerInit", "handler", "flush")
MAX_REFORCES = 10
"""How often one forced cold start is forced again when it landed on an environment Lambda had
initialized before the invoke (proactive initialization: no Init Duration). Lambda's
execution-environment page says it may do so; measurements put 50-85% of the inits of steady
functions there: at 50%, 11 tries all landing there is a 1-in-2000 event per sample. Bounded: a
function that never reports its init still fails, with the count."""
MAX_WARM_SWITCHES = 2
"""How many invokes of one warm series may land on a new environment (Lambda retires and
replaces environments, proactively initialized or not) before the series fails."""
EXPECTED_SPANS: dict[str, set[str]] = {
    key: set(spec.spans) for key, spec in FUNCTIONS.items() if spec.uses_sdk
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _where(function: FunctionOutput, invocation: Invocation) -> str:
    return f"{function.key} (request {invocation.request_id or '?'})"


def _answer_problems(
    function: FunctionOutput, invocation: Invocation, status: int
) -> tuple[list[str], dict[str, Any] | None]:
    where = _where(function, invocation)
    if invocation.function_error:
        return [
            f"{where}: function error {invocation.function_error}: {invocation.payload_text[:300]}"
        ], None
    problems = []
    if invocation.status_code != status:
        problems.append(f"{where}: statusCode {invocation.status_code}, expected {status}")
    body = invocation.body
    if body is None:
        problems.append(f"{where}: body is not a JSON object: {invocation.payload_text[:300]}")
        return problems, None
    if body.get("function") != function.name:
        problems.append(f"{where}: body.function {body.get('function')!r} != {function.name!r}")
    if body.get("requestId") != invocation.request_id:
        problems.append(
            f"{where}: body.requestId {body.get('requestId')!r} is not the invoke's request id"
        )
    if invocation.report is None:
        problems.append(f"{where}: {invocation.report_error}")
    return problems, body


def contract_problems(function: FunctionOutput, invocation: Invocation) -> list[str]:
    """A 200 with every body field of the contract, typed, echoing the event."""
    problems, body = _answer_problems(function, invocation, 200)
    if body is None:
        return problems
    where = _where(function, invocation)
    event = invocation.event if isinstance(invocation.event, dict) else {}
    expected: dict[str, Any] = {"status": "SUCCESS", "testType": event.get("test_type")}
    if "iteration" in event:
        expected["iteration"] = event["iteration"]
    if not function.sdk:
        expected |= {"sdkVersion": None, "sessionId": None, "flushSuccess": None}
    else:
        # The stack must test what it claims to: the SDK its layer's manifest names.
        expected |= {"flushSuccess": True, "sdkVersion": function.sdk_version}
    for field, value in expected.items():
        if body.get(field) != value:
            problems.append(f"{where}: body.{field} is {body.get(field)!r}, expected {value!r}")
    if not isinstance(body.get("coldStart"), bool):
        problems.append(f"{where}: body.coldStart must be a boolean, got {body.get('coldStart')!r}")
    if function.sdk:
        for field in ("sdkVersion", "sessionId"):
            if not isinstance(body.get(field), str) or not body[field]:
                problems.append(f"{where}: body.{field} must be a non-empty string")
    timings = body.get("timingsMs")
    if not isinstance(timings, dict) or not all(_is_number(timings.get(t)) for t in TIMINGS):
        problems.append(f"{where}: body.timingsMs must hold numbers {TIMINGS}, got {timings!r}")
    return problems


def bad_event_problems(function: FunctionOutput, invocation: Invocation) -> list[str]:
    """A 400 whose body says what was wrong (never an unhandled error)."""
    problems, body = _answer_problems(function, invocation, 400)
    if body is None:
        return problems
    where = _where(function, invocation)
    if body.get("status") != "ERROR":
        problems.append(f"{where}: body.status is {body.get('status')!r}, expected 'ERROR'")
    if not isinstance(body.get("error"), str) or not body["error"]:
        problems.append(f"{where}: a 400 must say what was wrong in body.error")
    return problems


def proactively_initialized(invocation: Invocation) -> bool:
    """The first invoke of an environment Lambda initialized ahead of it: answered, the
    handler's first (coldStart true), but no Init Duration in the REPORT."""
    body = invocation.body or {}
    report = invocation.report
    return (
        not invocation.function_error
        and report is not None
        and report.init_duration_ms is None
        and body.get("coldStart") is True
    )


def new_environment(invocation: Invocation) -> bool:
    """The invoke was an environment's first (its REPORT has an Init Duration, or the handler
    says coldStart: a proactively initialized environment reports no init)."""
    report = invocation.report
    body = invocation.body or {}
    return (report is not None and report.init_duration_ms is not None) or body.get(
        "coldStart"
    ) is True


def warm_samples(invocations: Sequence[Invocation]) -> list[Invocation]:
    """The invokes of a warm series that reused an environment (what warm numbers are of)."""
    return [invocation for invocation in invocations if not new_environment(invocation)]


def warm_series_problems(
    function: FunctionOutput,
    invocations: Sequence[Invocation],
    max_switches: int = MAX_WARM_SWITCHES,
) -> list[str]:
    """Each invoke of a warm series meets the contract and reuses its environment, except at
    most `max_switches` that landed on a new one (Lambda replaced the environment)."""
    problems: list[str] = []
    switched = [i for i in invocations if new_environment(i)]
    for invocation in invocations:
        if invocation in switched:
            problems += contract_problems(function, invocation)
        else:
            problems += warm_problems(function, invocation)
    if len(switched) > max_switches:
        ids = ", ".join(i.request_id or "?" for i in switched)
        problems.append(
            f"{function.key}: {len(switched)} of {len(invocations)} warm invokes landed on a new "
            f"environment (requests {ids}), more than the {max_switches} Lambda's own "
            "replacement of environments explains: the environment does not survive an invoke"
        )
    return problems


def warm_problems(function: FunctionOutput, invocation: Invocation) -> list[str]:
    """An invoke that reused an environment: the contract, no Init Duration, coldStart false."""
    where = _where(function, invocation)
    problems = contract_problems(function, invocation)
    if invocation.report is not None and invocation.report.init_duration_ms is not None:
        problems.append(
            f"{where}: cold (Init Duration {invocation.report.init_duration_ms:.2f} ms) where a "
            "warm environment was expected"
        )
    body = invocation.body
    if body is not None and body.get("coldStart") is not False:
        problems.append(f"{where}: body.coldStart is {body.get('coldStart')!r}, expected False")
    return problems


def cold_problems(
    function: FunctionOutput, invocation: Invocation, reforces: int = MAX_REFORCES
) -> list[str]:
    """The invoke after a configuration change (forced again up to `reforces` times): a new
    environment, with its Init Duration."""
    where = _where(function, invocation)
    problems = contract_problems(function, invocation)
    if proactively_initialized(invocation):
        problems.append(
            f"{where}: no Init Duration in REPORT after a configuration change, after "
            f"{reforces} re-forced cold starts: each landed on an environment initialized "
            "before the invoke (proactive initialization)"
        )
    elif invocation.report is not None and invocation.report.init_duration_ms is None:
        problems.append(f"{where}: no Init Duration in REPORT after a configuration change")
    body = invocation.body
    if body is not None and body.get("coldStart") is not True:
        problems.append(f"{where}: body.coldStart is {body.get('coldStart')!r}, expected True")
    return problems


def overhead_problem(
    function: str,
    metric: str,
    values: Sequence[float],
    baseline: Sequence[float],
    *,
    limit_ms: float,
    option: str,
) -> str | None:
    """None when the function's p50 minus baseline's (same run) is within the limit; else a
    sentence with every number."""
    if not values or not baseline:
        side = function if not values else "baseline"
        return f"{function}: no {metric} samples of {side} to compare with {option} {limit_ms:g} ms"
    p50, base = percentile(values, 50), percentile(baseline, 50)
    if p50 - base <= limit_ms:
        return None
    samples = ", ".join(f"{v:.1f}" for v in values)
    return (
        f"{function}: {metric} p50 {p50:.1f} ms is {p50 - base:.1f} ms over baseline's "
        f"{base:.1f} ms, above {option} {limit_ms:g} ms ({len(values)} samples: {samples})"
    )


def span_problems(
    function: str, session_id: str, expected: set[str], spans: Sequence[SpanRecord]
) -> list[str]:
    names = {span.name for span in spans}
    problems = []
    missing = sorted(expected - names)
    if missing:
        problems.append(
            f"{function}: session {session_id} lacks span(s) {', '.join(missing)} "
            f"(found: {', '.join(sorted(names)) or 'none'})"
        )
    strays = sorted({str(s.session_id) for s in spans if s.session_id != session_id})
    if strays:
        problems.append(
            f"{function}: spans read for session {session_id} carry session id(s) "
            f"{', '.join(strays)}"
        )
    return problems


def secret_findings(
    secret: Secret, outputs_text: str, invocations: Iterable[tuple[str, Invocation]]
) -> list[str]:
    """Where the API key shows up (never the key itself): outputs, responses, log tails."""
    findings = []
    if secret.found_in(outputs_text):
        findings.append("the stack outputs contain the API key")
    for key, invocation in invocations:
        for part, text in (("response", invocation.payload_text), ("log tail", invocation.log)):
            if secret.found_in(text):
                findings.append(
                    f"the {part} of {key} (request {invocation.request_id}) contains the API key"
                )
    return findings


def attribution_problems(
    key: str,
    import_profile: ImportProfile | None,
    warm_profile: object,
    warm_profile_error: str | None,
) -> list[str]:
    """An SDK function's attributions are there: its profiled cold start imported the SDK (with
    a total), and its profiled warm invocation answered with SDK functions in its profile (or
    with the `profileError` that says why it could not)."""
    problems = []
    if import_profile is None:
        problems.append(f"{key}: no import profile of its cold start")
    elif import_profile.sdk_total_ms is None:
        problems.append(
            f"{key}: the profiled cold start's {len(import_profile.modules)} imported modules do "
            "not include the SDK (no `honeyhive` line)"
        )
    if warm_profile_error is not None:
        problems.append(
            f"{key}: the warm invocation ran, but its handler could not summarise the profile: "
            f"{warm_profile_error}"
        )
    elif not isinstance(warm_profile, dict):
        problems.append(f"{key}: no profile of a warm invocation")
    elif not warm_profile.get("sdkFunctions"):
        problems.append(f"{key}: the warm invocation's profile lists no SDK function")
    return problems
