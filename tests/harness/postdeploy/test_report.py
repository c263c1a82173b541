"""report.json and report.md from a run's record: the numbers, the costs, the thresholds, the
failures, and no API key anywhere in what is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.postdeploy import importtime
from harness.postdeploy.events import SEED_EVENT
from harness.postdeploy.markdown import render
from harness.postdeploy.measure import FunctionRun, RunRecord, SuiteOptions
from harness.postdeploy.report import Outcome, build_report, write_reports
from harness.postdeploy.spans import SpanRecord
from harness.secret import REDACTED, Secret
from tests.harness.postdeploy.samples import invocation, target

KEY = "hh_local_feedfacecafebeef0123"
INIT = {"working_sdk_test": [900.0, 700.0, 800.0], "cold_start_test": [650.0, 600.0, 640.0],
        "basic_tracing": [610.0, 620.0, 630.0], "baseline": [90.0, 100.0, 110.0]}  # fmt: skip


def record(architecture: str = "x86_64") -> RunRecord:
    subject = target(endpointUrl="http://127.0.0.1:1")
    run = RunRecord(subject, SuiteOptions(cold_starts=3, warm_invokes=2), api_key=Secret(KEY))
    run.started_at, run.finished_at = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"
    for key, function in subject.functions.items():
        measured = FunctionRun(function, architecture=architecture)
        measured.cold = [invocation(function, SEED_EVENT, duration=50.0, init=i) for i in INIT[key]]
        measured.warm = [invocation(function, SEED_EVENT, duration=d) for d in (20.0, 140.0)]
        measured.spans = {"s1": [SpanRecord("x", "s1")], "s2": []}
        run.functions[key] = measured
    run.spans_source = "the local ingest at http://127.0.0.1:2"
    return run


def test_the_report_has_every_number_per_function() -> None:
    report = build_report(record(), [Outcome("t::a", "passed")])
    working = report["functions"]["working_sdk_test"]
    assert working["cold"]["initMs"] == [900.0, 700.0, 800.0]
    assert working["cold"]["init"]["p50"] == 800.0 and working["cold"]["init"]["count"] == 3
    assert working["cold"]["durationMs"]["p50"] == 50.0
    assert working["cold"]["billedMs"]["p50"] == 850.0  # init is billed
    assert working["warm"]["durationMs"]["p50"] == 80.0
    assert working["maxMemoryUsedMb"] == 70 and working["memorySizeMb"] == 512
    assert working["sdkOverheadMs"] == 700.0  # 800 - baseline's 100
    assert report["sdkOverheadMs"] == {
        "working_sdk_test": 700.0, "cold_start_test": 540.0, "basic_tracing": 520.0,
    }  # fmt: skip
    assert report["functions"]["baseline"]["sdkOverheadMs"] is None
    assert working["spans"] == {"sessions": 2, "withSpans": 1}
    assert (report["target"]["kind"], report["passed"]) == ("local", True)


def test_max_memory_used_leaves_out_the_profiled_invocations() -> None:
    """Import-time profiling and cProfile add to an environment's memory: the profiled cold
    start and warm invoke are not what the function needs."""
    run = record()
    working = run.functions["working_sdk_test"]
    function = working.output
    working.warm.append(invocation(function, SEED_EVENT, memory_used_mb=90))
    working.profiled = [
        invocation(function, SEED_EVENT, init=900.0, memory_used_mb=300),
        invocation(function, SEED_EVENT, memory_used_mb=310),
    ]
    assert build_report(run, [])["functions"]["working_sdk_test"]["maxMemoryUsedMb"] == 90


def test_costs_follow_billed_duration_memory_and_architecture() -> None:
    x86 = build_report(record("x86_64"), [])["functions"]["cold_start_test"]
    arm = build_report(record("arm64"), [])["functions"]["cold_start_test"]
    # cold: mean billed (650+50, 600+50, 640+50) = 680 ms at 256 MB
    expected = 1000 * (0.68 * 0.25 * 0.0000166667 + 0.0000002)
    assert x86["cold"]["costPer1000Usd"] == pytest.approx(expected)
    assert arm["cold"]["costPer1000Usd"] == pytest.approx(
        1000 * (0.68 * 0.25 * 0.0000133334 + 0.0000002)
    )
    assert x86["warm"]["costPer1000Usd"] == pytest.approx(
        1000 * (0.08 * 0.25 * 0.0000166667 + 0.0000002)
    )
    assert arm["architecture"] == "arm64"


def test_targets_are_reported_and_overheads_gated_on_the_p50s() -> None:
    report = build_report(record(), [])
    working = report["functions"]["working_sdk_test"]
    assert working["targets"] == {
        "coldInitP50": {"p50Ms": 800.0, "targetMs": 500.0, "met": False},
        "warmDurationP50": {"p50Ms": 80.0, "targetMs": 100.0, "met": True},
    }
    assert working["gates"] == {
        "coldOverhead": {"overheadMs": 700.0, "maxMs": 3000.0, "ok": True},
        "warmOverhead": {"overheadMs": 0.0, "maxMs": 1000.0, "ok": True},
    }
    assert report["functions"]["baseline"]["gates"] == {}
    assert report["passed"] is True, "a missed target does not fail the run"
    tight = record()
    tight.settings = SuiteOptions(cold_starts=3, warm_invokes=2, max_cold_overhead_ms=600)
    gate = build_report(tight, [])["functions"]["working_sdk_test"]["gates"]["coldOverhead"]
    assert gate == {"overheadMs": 700.0, "maxMs": 600.0, "ok": False}


def test_failed_tests_fail_the_run_and_are_listed() -> None:
    outcomes = [
        Outcome("t::ok", "passed"),
        Outcome(
            "t::slow[working_sdk_test]", "failed", "working_sdk_test: Init Duration p50 800.0 ms"
        ),
        Outcome("t::skip", "skipped", "no read key"),
    ]
    report = build_report(record(), outcomes)
    assert report["passed"] is False
    assert report["tests"] | {"failures": None} == {
        "passed": 1, "failed": 1, "error": 0, "skipped": 1, "failures": None,
    }  # fmt: skip
    assert report["tests"]["failures"] == [
        {
            "test": "t::slow[working_sdk_test]",
            "message": "working_sdk_test: Init Duration p50 800.0 ms",
        }
    ]


def test_both_files_are_written_redacted_and_the_summary_is_appended(tmp_path: Path) -> None:
    run = record()
    run.functions["baseline"].errors["warm"] = run.redact(f"TypeError: leaked {KEY}")
    outcomes = [Outcome("t::x", "failed", f"body had {KEY}")]
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    json_path, md_path = write_reports(
        build_report(run, outcomes), tmp_path / "out", run, {"GITHUB_STEP_SUMMARY": str(summary)}
    )
    written = json_path.read_text() + md_path.read_text() + summary.read_text()
    assert KEY not in written and REDACTED in written
    document = json.loads(json_path.read_text())
    assert set(document["functions"]) == set(INIT)
    markdown = md_path.read_text()
    assert markdown.startswith(
        "# Post-deploy report: local (test outputs)\n\n"
        "SDK under test: **honeyhive 1.7.0 (release)**\n\n**FAILED**: 0 passed, 1 failed"
    )
    assert document["sdk"]["version"] == "1.7.0"
    assert (
        "| working_sdk_test | x86_64 | 512 MB | 800.0 | 890.0 | 50.0 | 850.0 | 700.0 | 70 MB |"
        in markdown
    )
    assert (
        "| cold_start_test | coldInitP50 | 640.0 | 500 (--cold-target-ms) | not met |" in markdown
    )
    assert "| baseline | coldInitP50 | 100.0 | 500 (--cold-target-ms) | met |" in markdown
    assert (
        "| cold_start_test | coldOverhead | 540.0 | 3000 (--max-cold-overhead-ms) | ok |"
        in markdown
    )
    assert "- baseline: warm: TypeError: leaked [redacted]" in markdown
    assert "Spans: read back from the local ingest" in markdown
    assert summary.read_text() == "earlier step\n" + markdown + "\n"


def test_no_summary_is_written_outside_github_actions(tmp_path: Path) -> None:
    run = record()
    write_reports(build_report(run, []), tmp_path, run, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]


def test_where_the_time_goes_per_sdk_function() -> None:
    run = record()
    lines = [
        "import time:    300000 |     300000 |     pydantic.main",
        "import time:      2000 |     302000 |   honeyhive.api",
        "import time:       500 |     302500 | honeyhive",
    ]
    warm = {
        "totalMs": 60.0,
        "sdkFunctions": [{"function": "honeyhive/tracer/core/context.py:313(create_session)",
                          "calls": 1, "ownMs": 1.0, "cumulativeMs": 55.0}],
        "ownTime": [{"function": "<method 'load_verify_locations' of '_ssl._SSLContext' objects>",
                     "calls": 1, "ownMs": 52.0, "cumulativeMs": 52.0}],
    }  # fmt: skip
    for key in ("working_sdk_test", "cold_start_test"):
        run.functions[key].import_profile = importtime.parse(lines)
        run.functions[key].warm_profile = warm
    run.functions["basic_tracing"].errors["import profile"] = "LogsNotFound: no REPORT line"
    run.functions["basic_tracing"].warm_profile_error = "KeyError: 'honeyhive'"
    report = build_report(run, [])
    working = report["functions"]["working_sdk_test"]["attribution"]
    assert working["imports"]["sdkTotalMs"] == 302.5
    assert [m["module"] for m in working["imports"]["top"]] == [
        "honeyhive", "honeyhive.api", "pydantic.main",
    ]  # fmt: skip
    assert working["importsByPackageMs"] == {"pydantic": 300.0, "honeyhive": 2.5}
    assert report["functions"]["baseline"]["attribution"] is None
    assert report["functions"]["basic_tracing"]["attribution"]["imports"] is None
    assert report["functions"]["basic_tracing"]["attribution"]["warmError"] == (
        "KeyError: 'honeyhive'"
    )
    assert working["warmError"] is None
    markdown = render(report)
    assert "## Where the time goes" in markdown
    assert "```mermaid\npie showData title working_sdk_test: cold-start import time" in markdown
    assert '    "pydantic" : 300.0' in markdown
    assert "<summary>working_sdk_test: SDK import 302.5 ms, 3 modules imported" in markdown
    assert "| `honeyhive.api` | 302.0 | 2.0 |" in markdown
    assert (
        "| `<method 'load_verify_locations' of '_ssl._SSLContext' objects>` | 1 | 52.0 |"
        in markdown
    )
    assert "- basic_tracing: no import profile (see Failures)" in markdown
    assert "- basic_tracing: import profile: LogsNotFound: no REPORT line" in markdown
    assert (
        "- basic_tracing: no warm profile, the handler could not summarise it: "
        "KeyError: 'honeyhive'" in markdown
    )
    assert "with `PYTHONPROFILEIMPORTTIME=1`" in markdown


def test_an_emulated_runtime_is_named_and_its_durations_are_not_lambdas() -> None:
    """The local runtime's outputs say what each runtime ran on; the report repeats it, heads
    its tables with the emulation, and scales the overhead gates by the measured factor."""
    runtimes = {
        "python3.13-arm64": {"python": "3.13.5", "emulated": True, "timeScale": 30.0,
                             "interpreterBuild": "Debian trixie packages (...), not AWS's"},
    }  # fmt: skip
    subject = target(endpointUrl="http://127.0.0.1:1", localRuntimes=runtimes)
    assert subject.time_scale == 30.0
    options = SuiteOptions(max_cold_overhead_ms=3000.0, max_warm_overhead_ms=1000.0)
    assert options.scaled(subject.time_scale).max_cold_overhead_ms == 90000.0
    run = record("arm64")
    run.target = subject
    report = build_report(run, [Outcome("t::a", "passed")])
    assert report["target"]["runtimes"] == runtimes and report["target"]["timeScale"] == 30.0
    text = render(report)
    assert "**Emulated durations**: a runtime ran under qemu-user, 30x slower" in text
    assert (
        "- python3.13-arm64: Python 3.13.5, Debian trixie packages (...), not AWS's; emulated "
        "under qemu-user, 30.0x slower than natively (measured): its durations are emulated"
    ) in text
    native = render(build_report(record(), []))
    assert "Emulated" not in native and "not AWS's" not in native


def test_the_snapstart_section_sets_each_variants_cold_cost_beside_its_functions() -> None:
    """The hooked variant is working_sdk_test again: both rows carry that function's on-demand
    cold cost per 1,000 from the cold-start table, beside SnapStart's own."""
    run = record()
    snap_costs = {"restoresPer1kUsd": 0.0699, "cachePerHourUsd": 0.002708, "coldPer1kUsd": 0.08}
    entry = {"optimizationStatus": "On", "environments": [], "uniqueness": None,
             "restoreMs": [300.0], "costs": snap_costs}  # fmt: skip
    run.snapstart = {"working_sdk_test": entry, "hooked": entry}
    report = build_report(run, [])
    on_demand = report["functions"]["working_sdk_test"]["cold"]["costPer1000Usd"]
    assert on_demand is not None
    rows = [line for line in render(report).splitlines() if line.endswith(f"${on_demand:.6f} |")]
    assert [row.split(" | ")[0] for row in rows] == ["| working_sdk_test", "| hooked"]
    assert all("| $0.080000 |" in row for row in rows)
