"""Forced cold starts and warm series: each sample is what it claims to be, the configuration
is back as it was, and each SDK function's overhead over baseline (same run) is within its
bound (a miss names the numbers). Absolute times are targets in the report, not gates."""

from __future__ import annotations

import pytest

from harness.postdeploy.checks import (
    cold_problems,
    overhead_problem,
    warm_samples,
    warm_series_problems,
)
from harness.postdeploy.measure import RunRecord
from harness.postdeploy.target import FUNCTION_KEYS
from infra.spec import BASELINE, SDK_FUNCTIONS
from tests.deployed.support import phase_problems, require

SDK_KEYS = list(SDK_FUNCTIONS)


def _init_ms(run: RunRecord, key: str) -> list[float]:
    reports = [i.report for i in run.functions[key].cold if i.report is not None]
    return [r.init_duration_ms for r in reports if r.init_duration_ms is not None]


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_forced_cold_starts_are_cold(run: RunRecord, key: str) -> None:
    function = run.functions[key]
    problems = phase_problems(function, "cold")
    wanted = run.settings.cold_starts
    if len(function.cold) != wanted and not problems:
        problems.append(f"{key}: {len(function.cold)} cold starts measured, {wanted} asked for")
    for invocation in function.cold:
        problems += cold_problems(function.output, invocation, run.settings.max_reforces)
    require(run, problems)


def test_configurations_are_restored(run: RunRecord) -> None:
    require(run, run.restore_problems)


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_warm_series_stays_warm(run: RunRecord, key: str) -> None:
    function = run.functions[key]
    problems = phase_problems(function, "warm")
    wanted = run.settings.warm_invokes
    if len(function.warm) != wanted and not problems:
        problems.append(f"{key}: {len(function.warm)} warm invokes measured, {wanted} asked for")
    problems += warm_series_problems(function.output, function.warm)
    require(run, problems)


def _warm_ms(run: RunRecord, key: str) -> list[float]:
    samples = warm_samples(run.functions[key].warm)
    return [i.report.duration_ms for i in samples if i.report is not None]


@pytest.mark.parametrize("key", SDK_KEYS)
def test_cold_start_overhead_over_baseline_within_bound(run: RunRecord, key: str) -> None:
    problem = overhead_problem(
        key,
        "Init Duration",
        _init_ms(run, key),
        _init_ms(run, BASELINE),
        limit_ms=run.settings.max_cold_overhead_ms,
        option="--max-cold-overhead-ms",
    )
    require(run, [problem] if problem else [])


@pytest.mark.parametrize("key", SDK_KEYS)
def test_warm_overhead_over_baseline_within_bound(run: RunRecord, key: str) -> None:
    problem = overhead_problem(
        key,
        "warm Duration",
        _warm_ms(run, key),
        _warm_ms(run, BASELINE),
        limit_ms=run.settings.max_warm_overhead_ms,
        option="--max-warm-overhead-ms",
    )
    require(run, [problem] if problem else [])


def test_sdk_overhead_is_measured_against_baseline(run: RunRecord) -> None:
    """Overhead = an SDK function's Init Duration p50 minus baseline's: both need samples."""
    missing = [key for key in [BASELINE, *SDK_KEYS] if not _init_ms(run, key)]
    require(run, [f"{key}: no Init Duration samples for the SDK overhead" for key in missing])
