"""One benchmark run against a target that has a base function: the same code for the local
runtime (a stack served with `baseSdk`) and for AWS (a deployed stack with `baseSdk`).

Under `preserved_configurations` (the functions' variables restored and verified at the end):
the interleaved cold-start series of head (BENCH_FUNCTION), base (the same function on the base
SDK's layer) and baseline, then the profiled cold starts of head and base; then head/base with
its confidence interval and verdict, and the per-module import diff.

Sequential: after the first `cold_starts` rounds, while the interval still crosses 1 + t or
1 - t (the verdict is not conclusive), EXTRA_ROUNDS more are run, up to `max_cold_starts`. On a
noisy machine (cold init varies by about 13% here) ten samples a side cannot tell a 20%
regression from noise; forty usually can. The threshold sits at 1 + t, not at 1, so looking
again after each batch does not turn an unchanged SDK into a regression: its interval would have
to clear the tolerance as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness.bench import compare, series
from harness.bench.errors import BenchError
from harness.postdeploy import importtime
from harness.postdeploy.client import lambda_client, logs_client
from harness.postdeploy.coldstart import deployed_api_key, preserved_configurations
from harness.postdeploy.target import FunctionOutput, Target
from harness.progress import Progress
from harness.secret import Secret
from infra.spec import BASELINE, BENCH_FUNCTION

EXTRA_ROUNDS = 5


@dataclass(frozen=True)
class Plan:
    cold_starts: int
    """Rounds before the first look at the interval."""
    max_cold_starts: int
    """Rounds at most, while the verdict is not conclusive."""
    import_profiles: int
    tolerance: float


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _subject(label: str, output: FunctionOutput, client: Any) -> series.Subject:
    return series.Subject(
        label, output.key, output.name, output.log_group, client, output.sdk_version
    )


def _median(one: series.Series) -> float | None:
    summary = one.as_json()["init"]
    return None if summary is None else float(summary["p50"])


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 3)


def _comparison(by_label: dict[str, series.Series], tolerance: float) -> dict[str, Any]:
    medians = {label: _median(one) for label, one in by_label.items()}
    compared: dict[str, Any] = {
        "medianInitMs": medians,
        "headMinusBaseMs": _minus(medians["head"], medians["base"]),
        "headMinusBaselineMs": _minus(medians["head"], medians["baseline"]),
        "baseMinusBaselineMs": _minus(medians["base"], medians["baseline"]),
    }
    result = _compare(by_label, tolerance)
    if isinstance(result, BenchError):
        return {**compared, "verdict": None, "reason": str(result)}
    return {**compared, **result.as_json()}


def _compare(
    by_label: dict[str, series.Series], tolerance: float
) -> compare.Comparison | BenchError:
    """head against base so far, or why they cannot be compared (too few valid samples)."""
    try:
        return compare.compare(by_label["base"].init_ms, by_label["head"].init_ms, tolerance)
    except BenchError as exc:
        return exc


def _undecided(by_label: dict[str, series.Series], tolerance: float) -> compare.Comparison | None:
    """The comparison so far, when more rounds could change its verdict (not when samples
    failed: the failures are reported, not averaged away)."""
    result = _compare(by_label, tolerance)
    return None if isinstance(result, BenchError) or result.conclusive else result


def _rounds(measured: list[series.Series], plan: Plan, progress: Progress) -> int:
    """Run the rounds the plan allows; the number run."""
    done = plan.cold_starts
    series.rounds(measured, 1, done, progress)
    by_label = {one.subject.label: one for one in measured}
    while done < plan.max_cold_starts:
        pending = _undecided(by_label, plan.tolerance)
        if pending is None:
            break
        more = min(EXTRA_ROUNDS, plan.max_cold_starts - done)
        progress(
            f"head/base {pending.ratio:.3f}, 95% CI [{pending.low:.3f}, {pending.high:.3f}] "
            f"crosses 1 ± {plan.tolerance:g}: {more} more rounds (at most "
            f"{plan.max_cold_starts})"
        )
        series.rounds(measured, done + 1, done + more, progress)
        done += more
    return done


def _import_diff(by_label: dict[str, series.Series]) -> dict[str, Any] | None:
    head, base = by_label["head"].import_profile(), by_label["base"].import_profile()
    if head is None or base is None:
        return None
    total = (
        None
        if head.sdk_total_ms is None or base.sdk_total_ms is None
        else round(head.sdk_total_ms - base.sdk_total_ms, 3)
    )
    return {
        "sdkTotalDeltaMs": total,
        "modules": [change.as_json() for change in importtime.diff(base, head)],
    }


def measure(target: Target, plan: Plan, progress: Progress) -> dict[str, Any]:
    """The measured part of bench.json; BenchError when the target has no base function."""
    if target.base is None:
        raise BenchError(
            f"{target.source} has no base function (no `base` output): set the stack's baseSdk "
            "(`pulumi config set baseSdk locked`, or an SDK SPEC) and deploy it, or run the "
            "benchmark locally (`make bench BASE=... HEAD=...`)"
        )
    client, logs = lambda_client(target), logs_client(target)
    subjects = [
        _subject("head", target.functions[BENCH_FUNCTION], client),
        _subject("base", target.base, client),
        _subject("baseline", target.functions[BASELINE], client),
    ]
    started = _now()
    key: list[Secret] = []

    def redact(text: str) -> str:
        return key[0].redact(text) if key else text

    with preserved_configurations(client, [s.name for s in subjects], redact) as preserved:
        key.extend(filter(None, [deployed_api_key(preserved.configurations)]))
        measured = [series.Series(subject) for subject in subjects]
        rounds = _rounds(measured, plan, progress)
        series.profiles(measured[:2], plan.import_profiles, logs, progress)
    head_configuration = preserved.configurations.get(subjects[0].name)
    architectures = head_configuration.get("Architectures") if head_configuration else None
    architecture = str((architectures or ["x86_64"])[0])
    if preserved.restored:
        progress(f"restored the configuration of {', '.join(preserved.restored)}")
    by_label = {one.subject.label: one for one in measured}
    for one in measured:  # a failed call may quote a configuration, key included
        one.errors[:] = [redact(error) for error in one.errors]
    for problem in preserved.problems:
        by_label["head"].errors.append(f"configuration restore: {problem}")
    return {
        "target": {"kind": target.kind, "source": target.source, "region": target.region},
        "runtime": target.functions[BENCH_FUNCTION].runtime,
        "architecture": architecture,
        "sdks": {"head": target.sdk_description, "base": target.base_sdk_description},
        "coldStarts": rounds,
        "coldStartsPlanned": [plan.cold_starts, plan.max_cold_starts],
        "importProfiles": plan.import_profiles,
        "startedAt": started,
        "finishedAt": _now(),
        "series": {label: one.as_json() for label, one in by_label.items()},
        "comparison": _comparison(by_label, plan.tolerance),
        "importDiff": _import_diff(by_label),
    }


def failed(document: dict[str, Any]) -> list[str]:
    """Why the run cannot be trusted: any failed sample or profile, a verdict missing (wall
    time's, or the instruction count's when it ran)."""
    problems = [e for one in document.get("series", {}).values() for e in one["errors"]]
    if "comparison" in document and document["comparison"].get("verdict") is None:
        problems.append(f"no verdict: {document['comparison'].get('reason')}")
    count = document.get("count")
    if count is not None and count.get("verdict") is None:
        reasons = [count.get("reason")] + [p.get("reason") for p in count.get("phases", [])]
        shown = "; ".join(str(reason) for reason in reasons if reason)
        problems.append(f"no instruction verdict: {shown}")
    return problems


def regressions(document: dict[str, Any]) -> list[str]:
    """What says `regression`: the instruction gate (its instructions or a gating guard) and
    the wall time."""
    found = []
    count = document.get("count") or {}
    if count.get("instructionVerdict") == "regression":
        worst = max(count["phases"], key=lambda phase: phase["headOverBase"])
        found.append(
            f"instructions: {worst['phase']} head/base {worst['headOverBase']:.4f} > "
            f"1 + {count['tolerance']:g}"
        )
    found += [f["text"] for f in count.get("guardFindings", []) if f["gates"]]
    if (document.get("comparison") or {}).get("verdict") == "regression":
        found.append("wall time: cold init beyond its tolerance")
    return found
