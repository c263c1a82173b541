"""Forced cold starts and warm series: each sample is what it claims to be, the configuration
is back as it was, and the p50s are within the thresholds (a miss names the numbers)."""

from __future__ import annotations

import pytest

from harness.postdeploy.checks import cold_problems, threshold_problem, warm_problems
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
        problems += cold_problems(function.output, invocation)
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
    for invocation in function.warm:
        problems += warm_problems(function.output, invocation)
    require(run, problems)


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_cold_init_p50_within_threshold(run: RunRecord, key: str) -> None:
    problem = threshold_problem(
        key, "Init Duration", _init_ms(run, key), run.settings.max_cold_p50_ms, "--max-cold-p50-ms"
    )
    require(run, [problem] if problem else [])


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_warm_duration_p50_within_threshold(run: RunRecord, key: str) -> None:
    reports = [i.report for i in run.functions[key].warm if i.report is not None]
    durations = [r.duration_ms for r in reports if not r.cold]
    limit = run.settings.max_warm_p50_ms
    problem = threshold_problem(key, "warm Duration", durations, limit, "--max-warm-p50-ms")
    require(run, [problem] if problem else [])


def test_sdk_overhead_is_measured_against_baseline(run: RunRecord) -> None:
    """Overhead = an SDK function's Init Duration p50 minus baseline's: both need samples."""
    missing = [key for key in [BASELINE, *SDK_KEYS] if not _init_ms(run, key)]
    require(run, [f"{key}: no Init Duration samples for the SDK overhead" for key in missing])
