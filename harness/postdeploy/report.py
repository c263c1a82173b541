"""The record of a run: report.json (every number) and report.md (the tables people read).

Written whatever the outcome: a failed check is part of the record. Costs come from `cost`
(billed duration x memory x the architecture's GB-second price, plus the request price). Both
files pass through the run's redaction before they are written, and report.md is appended to
`$GITHUB_STEP_SUMMARY` when that is set (the job summary on GitHub Actions).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.lambda_report import STATUS_SUCCESS, Report
from harness.postdeploy.attribution import function_attribution
from harness.postdeploy.checks import new_environment, warm_samples
from harness.postdeploy.cost import LAMBDA_PRICES, cost_per_1000_usd
from harness.postdeploy.invoke import Invocation
from harness.postdeploy.markdown import render
from harness.postdeploy.measure import FunctionRun, RunRecord
from harness.postdeploy.stats import summarize
from infra.spec import BASELINE

SCHEMA = 1
SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class Outcome:
    """One test's result, as the report lists it."""

    test: str
    outcome: str
    """passed, failed, skipped or error (a failure outside the test's call)."""
    message: str = ""


def _reports(invocations: Sequence[Invocation]) -> list[Report]:
    return [i.report for i in invocations if i.report is not None]


def _init_ms(reports: Sequence[Report]) -> list[float]:
    return [r.init_duration_ms for r in reports if r.init_duration_ms is not None]


def _cost(billed_ms: Sequence[float], run: FunctionRun) -> float | None:
    cost = cost_per_1000_usd(billed_ms, run.output.memory_size, run.architecture)
    return None if cost is None else round(cost, 9)


def _summary(values: Sequence[float]) -> dict[str, Any] | None:
    summary = summarize(values)
    return summary.as_json() if summary else None


def _p50(values: Sequence[float]) -> float | None:
    summary = summarize(values)
    return summary.p50 if summary else None


def function_report(
    run: FunctionRun, record: RunRecord, baseline: tuple[float | None, float | None]
) -> dict[str, Any]:
    """Every number of one function; `baseline` is baseline's (init p50, warm p50)."""
    settings, output = record.settings, run.output
    cold = _reports(run.cold)
    warm = _reports(warm_samples(run.warm))
    init = _init_ms(cold)
    unprofiled = _reports(run.invocations(profiled=False))
    init_p50, warm_p50 = _p50(init), _p50([r.duration_ms for r in warm])
    failed = [
        i
        for i in run.invocations()
        if i.function_error or (i.report and i.report.status != STATUS_SUCCESS)
    ]
    errors = [f"{phase}: {message}" for phase, message in run.errors.items()]
    if failed:
        errors.append(f"{len(failed)} invocation(s) ended in a function error")
    cold_overhead = _minus(init_p50, baseline[0]) if output.sdk else None
    warm_overhead = _minus(warm_p50, baseline[1]) if output.sdk else None
    return {
        "name": output.name,
        "runtime": output.runtime,
        "architecture": run.architecture,
        "memorySizeMb": output.memory_size,
        "cold": {
            "samples": len(run.cold),
            "reforced": run.reforced,
            "initMs": [round(v, 3) for v in init],
            "init": _summary(init),
            "durationMs": _summary([r.duration_ms for r in cold]),
            "billedMs": _summary([r.billed_duration_ms for r in cold]),
            "costPer1000Usd": _cost([r.billed_duration_ms for r in cold], run),
        },
        "warm": {
            "samples": len(run.warm),
            "newEnvironments": sum(1 for i in run.warm if new_environment(i)),
            "durationMs": _summary([r.duration_ms for r in warm]),
            "billedMs": _summary([r.billed_duration_ms for r in warm]),
            "costPer1000Usd": _cost([r.billed_duration_ms for r in warm], run),
        },
        "maxMemoryUsedMb": max((r.max_memory_used_mb for r in unprofiled), default=None),
        "sdkOverheadMs": cold_overhead,
        "warmOverheadMs": warm_overhead,
        "targets": {
            "coldInitP50": _target(init_p50, settings.cold_target_ms),
            "warmDurationP50": _target(warm_p50, settings.warm_target_ms),
        },
        "gates": {}
        if not output.sdk
        else {
            "coldOverhead": _gate(cold_overhead, settings.max_cold_overhead_ms),
            "warmOverhead": _gate(warm_overhead, settings.max_warm_overhead_ms),
        },
        "spans": {
            "sessions": len(run.spans),
            "withSpans": sum(1 for found in run.spans.values() if found),
        },
        "attribution": function_attribution(run),
        "errors": errors,
    }


def _minus(value: float | None, base: float | None) -> float | None:
    return None if value is None or base is None else round(value - base, 3)


def _target(p50: float | None, target: float) -> dict[str, Any]:
    """Reported, not gated: whether the p50 meets an absolute target."""
    return {
        "p50Ms": None if p50 is None else round(p50, 3),
        "targetMs": target,
        "met": p50 is not None and p50 <= target,
    }


def _gate(overhead: float | None, limit: float) -> dict[str, Any]:
    return {
        "overheadMs": overhead,
        "maxMs": limit,
        "ok": overhead is not None and overhead <= limit,
    }


def build_report(record: RunRecord, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    target, settings = record.target, record.settings
    floor = record.functions.get(BASELINE)
    baseline: tuple[float | None, float | None] = (None, None)
    if floor is not None:
        warm = [r.duration_ms for r in _reports(warm_samples(floor.warm))]
        baseline = (_p50(_init_ms(_reports(floor.cold))), _p50(warm))
    functions = {
        key: function_report(run, record, baseline) for key, run in record.functions.items()
    }
    counts = {
        kind: sum(1 for o in outcomes if o.outcome == kind)
        for kind in ("passed", "failed", "error", "skipped")
    }
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "target": {
            "kind": target.kind,
            "source": target.source,
            "region": target.region,
            "endpointUrl": target.endpoint_url,
            "runtimes": dict(target.local_runtimes),
            "timeScale": target.time_scale,
        },
        "sdk": {**target.outputs["sdk"], "description": target.sdk_description},
        "startedAt": record.started_at,
        "finishedAt": record.finished_at,
        "settings": {
            "coldStarts": settings.cold_starts,
            "warmInvokes": settings.warm_invokes,
            "coldTargetMs": settings.cold_target_ms,
            "warmTargetMs": settings.warm_target_ms,
            "maxColdOverheadMs": settings.max_cold_overhead_ms,
            "maxWarmOverheadMs": settings.max_warm_overhead_ms,
            "maxReforces": settings.max_reforces,
        },
        "prices": LAMBDA_PRICES.as_json(),
        "functions": functions,
        "sdkOverheadMs": {
            key: f["sdkOverheadMs"] for key, f in functions.items() if key != BASELINE
        },
        "warmOverheadMs": {
            key: f["warmOverheadMs"] for key, f in functions.items() if key != BASELINE
        },
        "spans": {"source": record.spans_source, "skipped": record.spans_skipped},
        "restoreProblems": list(record.restore_problems),
        "error": record.error,
        "tests": {
            **counts,
            "failures": [
                {"test": o.test, "message": o.message}
                for o in outcomes
                if o.outcome in {"failed", "error"}
            ],
        },
        "passed": record.error is None and not counts["failed"] and not counts["error"],
    }
    if record.snapstart is not None:  # a stack with snapStart on
        report["snapStart"] = record.snapstart
    return report


def write_reports(
    report: dict[str, Any],
    directory: Path,
    record: RunRecord,
    environ: Mapping[str, str] | None = None,
) -> tuple[Path, Path]:
    """report.json and report.md into `directory` (redacted); the markdown also to the job
    summary when `$GITHUB_STEP_SUMMARY` is set."""
    environ = os.environ if environ is None else environ
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "report.json", directory / "report.md"
    json_path.write_text(record.redact(json.dumps(report, indent=2)) + "\n")
    markdown = record.redact(render(report))
    md_path.write_text(markdown)
    summary = environ.get(SUMMARY_VARIABLE)
    if summary:
        with Path(summary).open("a") as sink:
            sink.write(markdown + "\n")
    return json_path, md_path
