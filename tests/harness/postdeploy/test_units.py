"""The post-deploy machinery without a target: statistics, prices, the outputs, REPORT lines
to metrics, the checks, span polling and the secret's redaction."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import statistics
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.postdeploy import checks, importtime, spans
from harness.postdeploy.cost import LAMBDA_PRICES, cost_per_1000_usd, invocation_cost_usd
from harness.postdeploy.errors import PulumiMissing, TargetError
from harness.postdeploy.events import BAD_EVENTS, SEED_EVENT, iteration_event, seed_events
from harness.postdeploy.stats import percentile, summarize
from harness.postdeploy.target import FunctionOutput, from_outputs_file, from_stack, parse_outputs
from harness.secret import REDACTED, Secret
from infra.spec import BENCH_FUNCTION
from tests.harness.postdeploy.samples import (
    BASE_NAME,
    base_function,
    base_output,
    invocation,
    outputs,
    target,
)

samples = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50)


# --- statistics ------------------------------------------------------------------------------


@given(samples)
def test_p50_is_the_median_and_percentiles_are_ordered(values: list[float]) -> None:
    assert percentile(values, 50) == pytest.approx(statistics.median(values))
    assert percentile(values, 0) == min(values) and percentile(values, 100) == max(values)
    assert min(values) <= percentile(values, 50) <= percentile(values, 95) <= max(values)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=50))
def test_percentiles_match_the_standard_librarys_inclusive_quantiles(values: list[float]) -> None:
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    assert percentile(values, 95) == pytest.approx(cuts[18])


def test_percentile_refuses_empty_samples_and_bad_ranks() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)
    assert summarize([]) is None
    summary = summarize([10.0, 20.0, 30.0, 40.0])
    assert summary is not None
    assert (summary.count, summary.p50, summary.mean) == (4, 25.0, 25.0)
    assert summary.p95 == pytest.approx(38.5)


# --- cost ------------------------------------------------------------------------------------


def test_cost_is_gb_seconds_at_the_architectures_price_plus_the_request() -> None:
    # 1 s at 1024 MB is 1 GB-s.
    x86 = invocation_cost_usd(1000, 1024, "x86_64")
    arm = invocation_cost_usd(1000, 1024, "arm64")
    assert x86 == pytest.approx(0.0000166667 + 0.0000002)
    assert arm == pytest.approx(0.0000133334 + 0.0000002)
    assert arm < x86
    # 1,000 x 100 ms at 512 MB = 50 GB-s ($0.000833335) + 1,000 requests ($0.0002).
    assert cost_per_1000_usd([100, 100], 512, "x86_64") == pytest.approx(0.000833335 + 0.0002)
    assert cost_per_1000_usd([], 512, "x86_64") is None


def test_cost_uses_the_mean_billed_duration() -> None:
    skewed = cost_per_1000_usd([10, 10, 1000], 1024, "x86_64")
    assert skewed == pytest.approx(1000 * invocation_cost_usd(340, 1024, "x86_64"))


def test_an_unknown_architecture_has_no_price() -> None:
    with pytest.raises(ValueError, match=r"'sparc'.*arm64, x86_64"):
        invocation_cost_usd(1, 128, "sparc")
    assert LAMBDA_PRICES.as_json()["gbSecondUsd"] == {"x86_64": 0.0000166667, "arm64": 0.0000133334}
    assert LAMBDA_PRICES.as_json()["snapStartRestoreUsdPerGb"] == 0.0001397998
    assert LAMBDA_PRICES.as_json()["snapStartCacheUsdPerGbSecond"] == 0.0000015046


# --- the target ------------------------------------------------------------------------------


def test_outputs_with_an_endpoint_are_the_local_target(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs(endpointUrl="http://127.0.0.1:1", ingestUrl="http://x")))
    local = from_outputs_file(path)
    assert (local.kind, local.endpoint_url, local.ingest_url) == (
        "local", "http://127.0.0.1:1", "http://x",
    )  # fmt: skip
    assert local.source == f"outputs file {path}"
    aws = target()
    assert (aws.kind, aws.endpoint_url, aws.region) == ("aws", None, "us-east-1")
    assert [f.sdk for f in aws.functions.values()] == [True, True, True, False]
    assert aws.functions["working_sdk_test"].memory_size == 512
    assert [f.sdk_version for f in aws.functions.values()] == ["1.7.0"] * 3 + [None]
    assert aws.sdk_description == "honeyhive 1.7.0 (release)"
    tree = target(
        sdk={"version": "1.8.0.dev1", "kind": "tree", "commit": "0a1b2c3d4e5f6", "dirty": True}
    )
    assert tree.sdk_description == "honeyhive 1.8.0.dev1 (tree 0a1b2c3d4e5f+dirty)"


def test_an_answer_from_another_sdk_than_the_layers_fails_the_contract() -> None:
    """The stack must test what it claims to test: every SDK function reports the version the
    layer's manifest names."""
    other = target(sdk={"version": "1.6.1", "kind": "requirement", "commit": "", "dirty": False})
    function = other.functions["working_sdk_test"]
    answered = invocation(function, SEED_EVENT)  # its body reports 1.7.0
    assert any(
        "body.sdkVersion is '1.7.0', expected '1.6.1'" in p
        for p in checks.contract_problems(function, answered)
    )
    assert checks.contract_problems(target().functions["working_sdk_test"], answered) == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"region": "us-east-1"}, "no `functions` map"),
        ({**outputs(), "functions": {"baseline": {}}}, "lacks working_sdk_test, cold_start_test"),
        ({**outputs(), "region": ""}, "`region` must be a region name"),
        (
            {**outputs(), "functions": {**outputs()["functions"], "baseline": {"name": "x"}}},
            "functions.baseline lacks arn, runtime, memorySize, timeout, logGroup",
        ),
        ({**outputs(), "sdk": None}, "no `sdk` output naming the SDK in the layer"),
        ({**outputs(), "sdk": {"kind": "tree"}}, "no `sdk` output naming the SDK in the layer"),
    ],
)
def test_bad_outputs_are_refused_with_what_is_wrong(document: object, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_outputs(document, "test outputs")


def test_a_base_output_is_the_bench_function_on_the_base_sdk() -> None:
    parsed = target(base=base_output())
    assert parsed.base == FunctionOutput(
        key=BENCH_FUNCTION,
        name=BASE_NAME,
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:{BASE_NAME}",
        runtime="python3.12",
        memory_size=512,
        timeout=30,
        log_group=f"/aws/lambda/{BASE_NAME}",
        sdk_version="1.6.1",
    )
    assert parsed.base_sdk_description == "honeyhive 1.6.1 (requirement)"
    assert parsed.sdk_description == "honeyhive 1.7.0 (release)"
    assert parsed.functions[BENCH_FUNCTION].sdk_version == "1.7.0"
    without = target()
    assert (without.base, without.base_sdk_description) == (None, None)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        (["a list"], r"`base` must be \{function, sdk\}, got \['a list'\]"),
        (
            base_output(function=base_function(without="logGroup")),
            r"base\.function lacks logGroup \(it must have name, arn",
        ),
        (base_output(function=None), r"base\.function must have name, arn, .*got None"),
        (base_output(sdk="1.6.1"), r"no `base\.sdk` output naming the SDK .*got '1\.6\.1'"),
        (base_output(sdk={"version": "1.6.1"}), r"no `base\.sdk` output naming the SDK"),
    ],
    ids=["not-an-object", "no-logGroup", "no-function", "sdk-not-an-object", "sdk-without-kind"],
)
def test_a_bad_base_output_is_refused_naming_the_field(base: object, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_outputs(outputs(base=base), "test outputs")


def test_an_unreadable_outputs_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="python -m harness local serve --stack ci --outputs"):
        from_outputs_file(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(TargetError, match="is not JSON"):
        from_outputs_file(tmp_path / "bad.json")


def test_stack_without_the_pulumi_cli_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PulumiMissing, match="the Pulumi CLI is not on PATH"):
        from_stack("gh-main")


def _stub_pulumi(directory: Path, script: str) -> None:
    """A stand-in for the Pulumi CLI (which cannot run here): it records its arguments."""
    path = directory / "pulumi"
    path.write_text(f'#!/bin/sh\necho "$@" > {directory / "args"}\n{script}\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_stack_reads_pulumi_stack_output_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "outputs.json").write_text(json.dumps(outputs()))
    _stub_pulumi(tmp_path, f"cat {tmp_path / 'outputs.json'}")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    loaded = from_stack("gh-main")
    assert (tmp_path / "args").read_text().split() == [
        "stack", "output", "--json", "--stack", "gh-main",
    ]  # fmt: skip
    assert (loaded.source, loaded.kind) == ("stack gh-main", "aws")


def test_a_failing_pulumi_is_reported_with_its_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _stub_pulumi(tmp_path, "echo 'error: no stack named gh-x found' >&2; exit 255")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(TargetError, match=r"failed \(exit 255\): error: no stack named gh-x"):
        from_stack("gh-x")


# --- REPORT lines to metrics, and the checks ---------------------------------------------------


@pytest.mark.parametrize("json_log", [False, True], ids=["text", "json"])
def test_invocations_carry_the_report_metrics_of_either_log_format(json_log: bool) -> None:
    function = target().functions["cold_start_test"]
    cold = invocation(function, SEED_EVENT, duration=80.25, init=612.5, json_log=json_log)
    assert cold.report is not None and cold.cold
    report = cold.report
    assert (report.duration_ms, report.init_duration_ms, report.billed_duration_ms) == (
        80.25, 612.5, 693,
    )  # fmt: skip
    assert (report.memory_size_mb, report.max_memory_used_mb) == (256, 70)
    warm = invocation(function, SEED_EVENT, duration=3.0, json_log=json_log)
    assert warm.report is not None and not warm.cold and warm.report.billed_duration_ms == 3


def test_an_invocation_without_its_report_says_so() -> None:
    function = target().functions["baseline"]
    good = invocation(function, SEED_EVENT)
    lost = dataclasses.replace(good, report=None, report_error="no REPORT record")
    assert checks.contract_problems(function, lost) == [
        f"baseline (request {good.request_id}): no REPORT record"
    ]


@pytest.mark.parametrize(
    "key", ["working_sdk_test", "cold_start_test", "basic_tracing", "baseline"]
)
def test_a_contract_answer_passes_every_check(key: str) -> None:
    function = target().functions[key]
    for event in seed_events(function):
        assert checks.contract_problems(function, invocation(function, event)) == []
    assert checks.cold_problems(function, invocation(function, SEED_EVENT, init=500.0)) == []
    assert checks.warm_problems(function, invocation(function, SEED_EVENT)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"requestId": "other"}, "body.requestId 'other' is not the invoke's request id"),
        (
            {"function": "honeyhive-x"},
            "body.function 'honeyhive-x' != 'honeyhive-t-working-sdk-test'",
        ),
        ({"flushSuccess": False}, "body.flushSuccess is False, expected True"),
        ({"sessionId": ""}, "body.sessionId must be a non-empty string"),
        ({"coldStart": "yes"}, "body.coldStart must be a boolean"),
        ({"timingsMs": {"sdkImport": 1}}, "body.timingsMs must hold numbers"),
        ({"testType": "other"}, "body.testType is 'other', expected 'ci_validation'"),
    ],
)
def test_contract_breaches_are_named(changes: dict[str, object], expected: str) -> None:
    function = target().functions["working_sdk_test"]
    problems = checks.contract_problems(
        function, invocation(function, SEED_EVENT, body_changes=changes)
    )
    assert len(problems) == 1 and expected in problems[0], problems


def test_baseline_must_not_report_sdk_fields() -> None:
    function = target().functions["baseline"]
    answer = invocation(function, SEED_EVENT, body_changes={"sdkVersion": "1.7.0"})
    assert checks.contract_problems(function, answer) == [
        f"baseline (request {answer.request_id}): body.sdkVersion is '1.7.0', expected None"
    ]


def test_cold_start_test_must_echo_its_iteration() -> None:
    function = target().functions["cold_start_test"]
    answer = invocation(function, iteration_event(2), body_changes={"iteration": 3})
    assert checks.contract_problems(function, answer) == [
        f"cold_start_test (request {answer.request_id}): body.iteration is 3, expected 2"
    ]


def test_cold_and_warm_checks_look_at_the_report_and_the_body() -> None:
    function = target().functions["basic_tracing"]
    warm_answer = invocation(function, SEED_EVENT)
    assert checks.cold_problems(function, warm_answer) == [
        f"basic_tracing (request {warm_answer.request_id}): no Init Duration in REPORT after a "
        "configuration change",
        f"basic_tracing (request {warm_answer.request_id}): body.coldStart is False, expected True",
    ]
    cold_answer = invocation(function, SEED_EVENT, init=700.0)
    assert [p.split(": ", 1)[1] for p in checks.warm_problems(function, cold_answer)] == [
        "cold (Init Duration 700.00 ms) where a warm environment was expected",
        "body.coldStart is True, expected False",
    ]


def test_bad_event_answers_must_be_400_with_an_error() -> None:
    function = target().functions["working_sdk_test"]
    refused = invocation(
        function, BAD_EVENTS["null"], status_code=400,
        body_changes={"status": "ERROR", "error": "event must be a JSON object, got null"},
    )  # fmt: skip
    assert checks.bad_event_problems(function, refused) == []
    accepted = invocation(function, BAD_EVENTS["null"])
    problems = checks.bad_event_problems(function, accepted)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "statusCode 200, expected 400",
        "body.status is 'SUCCESS', expected 'ERROR'",
        "a 400 must say what was wrong in body.error",
    ]


def test_an_overhead_miss_names_the_function_the_metric_and_the_numbers() -> None:
    def problem(values: list[float], baseline: list[float], limit: float) -> str | None:
        return checks.overhead_problem(
            "f", "Init Duration", values, baseline, limit_ms=limit, option="--max"
        )

    assert problem([400.0, 450.0], [100.0], 500) is None  # 425 - 100 = 325
    assert problem([400.0, 700.0, 650.0], [100.0, 120.0], 500) == (
        "f: Init Duration p50 650.0 ms is 540.0 ms over baseline's 110.0 ms, above --max 500 ms "
        "(3 samples: 400.0, 700.0, 650.0)"
    )
    assert "no Init Duration samples of f" in str(problem([], [100.0], 1))
    assert "no Init Duration samples of baseline" in str(problem([1.0], [], 1))


def test_attribution_problems_name_what_is_missing_and_why() -> None:
    sdk = importtime.parse(["import time:       500 |     302500 | honeyhive"])
    warm = {"sdkFunctions": [{"function": "honeyhive/api/client.py:12(start)"}]}
    assert checks.attribution_problems("working_sdk_test", sdk, warm, None) == []
    assert checks.attribution_problems("k", None, None, None) == [
        "k: no import profile of its cold start",
        "k: no profile of a warm invocation",
    ]
    assert checks.attribution_problems("k", sdk, None, "ValueError: pstats broke") == [
        "k: the warm invocation ran, but its handler could not summarise the profile: "
        "ValueError: pstats broke"
    ]


# --- spans -----------------------------------------------------------------------------------


class _Arriving:
    """Spans that show up on the n-th read, as HoneyHive's asynchronous ingestion does."""

    description = "a test source"

    def __init__(self, after: int, records: list[spans.SpanRecord]) -> None:
        self.after, self.records, self.reads = after, records, 0

    def fetch(self, session_id: str) -> list[spans.SpanRecord]:
        self.reads += 1
        return self.records if self.reads >= self.after else []


def test_collect_polls_until_the_expected_spans_arrive() -> None:
    source = _Arriving(3, [spans.SpanRecord("a", "s1"), spans.SpanRecord("b", "s1")])
    slept: list[float] = []
    found = spans.collect(source, {"s1": {"a", "b"}}, deadline_s=60, poll_s=5, sleep=slept.append)
    assert [s.name for s in found["s1"]] == ["a", "b"] and slept == [5, 5]


def test_collect_gives_up_at_the_deadline() -> None:
    source = _Arriving(100, [])
    slept: list[float] = []
    found = spans.collect(source, {"s1": {"a"}}, deadline_s=0, poll_s=5, sleep=slept.append)
    assert found == {"s1": []} and source.reads == 1 and slept == []


def test_span_problems_name_missing_spans_and_foreign_sessions() -> None:
    good = [
        spans.SpanRecord("basic_tracing.handle", "s"),
        spans.SpanRecord("basic_tracing.validate", "s"),
    ]
    assert checks.span_problems("f", "s", {"basic_tracing.handle"}, good) == []
    problems = checks.span_problems(
        "f", "s", {"x", "basic_tracing.handle"}, [*good, spans.SpanRecord("y", "t")]
    )
    assert problems == [
        "f: session s lacks span(s) x (found: basic_tracing.handle, basic_tracing.validate, y)",
        "f: spans read for session s carry session id(s) t",
    ]


def test_honeyhive_events_become_spans_without_the_session_event() -> None:
    events = [
        {"event_type": "session", "event_name": "honeyhive-t-working-sdk-test", "session_id": "s"},
        {"event_type": "tool", "event_name": "working_sdk_test", "session_id": "s"},
    ]
    assert spans.events_to_spans(events) == [spans.SpanRecord("working_sdk_test", "s")]


def test_span_source_prefers_the_ingest_then_a_read_key_else_says_why_not() -> None:
    source, skipped = spans.span_source("http://127.0.0.1:9", {}, None)
    assert isinstance(source, spans.IngestSpans) and skipped is None
    source, skipped = spans.span_source(None, {}, "https://api.example")
    assert source is None and skipped is not None and "set HH_READ_API_KEY" in skipped
    source, _ = spans.span_source(None, {"HH_READ_API_KEY": "hh_read"}, "https://api.example")
    assert source is not None and source.description == "HoneyHive's API at https://api.example"


# --- the secret ------------------------------------------------------------------------------


def test_the_secret_never_shows_and_is_found_and_redacted() -> None:
    key = "hh_local_0123456789abcdef"
    secret = Secret(key)
    assert key not in repr(secret) and key not in str(secret) and key not in f"{[secret]}"
    assert secret.redact(f"Bearer {key}!") == f"Bearer {REDACTED}!"
    function = target().functions["working_sdk_test"]
    clean = invocation(function, SEED_EVENT)
    leaky = invocation(function, SEED_EVENT, body_changes={"error": f"bad key {key}"})
    findings = checks.secret_findings(secret, json.dumps(outputs()), [("w", clean), ("w", leaky)])
    assert findings == [f"the response of w (request {leaky.request_id}) contains the API key"]
    assert checks.secret_findings(secret, f'{{"k": "{key}"}}', []) == [
        "the stack outputs contain the API key"
    ]
