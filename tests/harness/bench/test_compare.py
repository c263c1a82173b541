"""head/base: the interval and the verdict, on samples whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from harness.bench.compare import MIN_SAMPLES, Comparison, compare, verdict
from harness.bench.errors import BenchError


def cold_starts(median_ms: float, seed: int, count: int = 10, spread: float = 0.06) -> list[float]:
    """Cold inits around `median_ms`, log-normally spread as cold starts are."""
    rng = np.random.default_rng(seed)
    return list(median_ms * rng.lognormal(0.0, spread, count))


def test_a_300_ms_slower_head_is_a_regression() -> None:
    result = compare(cold_starts(1250, 1), cold_starts(1550, 2))
    assert result.verdict == "regression"
    assert result.low > 1.10 and result.low <= result.ratio <= result.high


@pytest.mark.parametrize("count", [5, 10])
def test_the_same_sdk_is_no_change_in_nearly_every_run(count: int) -> None:
    """At this machine's noise (identical cold starts vary by about 13%), with the fewest
    samples the bench accepts and with its default first look."""
    verdicts = [
        compare(
            cold_starts(1250, s, count, spread=0.13), cold_starts(1250, 1000 + s, count, 0.13)
        ).verdict
        for s in range(40)
    ]
    assert verdicts.count("no change") >= 38, verdicts


def test_a_faster_head_is_an_improvement() -> None:
    assert compare(cold_starts(1250, 3), cold_starts(800, 4)).verdict == "improvement"


def test_the_tolerance_decides_a_modest_slowdown() -> None:
    base, head = cold_starts(1000, 5, spread=0.01), cold_starts(1150, 6, spread=0.01)
    assert compare(base, head, tolerance=0.10).verdict == "regression"
    assert compare(base, head, tolerance=0.20).verdict == "no change"


def test_the_interval_is_deterministic() -> None:
    base, head = cold_starts(1250, 7), cold_starts(1300, 8)
    assert compare(base, head) == compare(base, head)


def test_identical_samples_fall_back_to_the_percentile_interval() -> None:
    result = compare([900.0] * MIN_SAMPLES, [900.0] * MIN_SAMPLES)
    assert (result.method, result.low, result.high, result.verdict) == (
        "percentile", 1.0, 1.0, "no change",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        ([1.0] * 4, [1.0] * 10, "base has 4 cold-start samples; comparing needs at least 5"),
        ([1.0] * 10, [], "head has 0 cold-start samples"),
        ([1.0] * 9 + [0.0], [1.0] * 10, "base has a sample that is not a positive duration"),
        ([1.0] * 10, [1.0] * 9 + [float("nan")], "head has a sample that is not a positive"),
    ],
)
def test_too_few_or_bad_samples_are_refused(
    base: list[float], head: list[float], message: str
) -> None:
    with pytest.raises(BenchError, match=message):
        compare(base, head)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(1.11, 1.3, "regression"), (1.10, 1.3, "no change"), (0.7, 0.89, "improvement"),
     (0.7, 0.90, "no change"), (0.95, 1.05, "no change")],
)  # fmt: skip
def test_the_verdict_is_decided_by_the_interval_bounds(
    low: float, high: float, expected: str
) -> None:
    assert verdict(low, high, 0.10) == expected


@pytest.mark.parametrize(
    ("low", "high", "conclusive"),
    [(1.11, 1.3, True), (0.7, 0.89, True), (0.95, 1.05, True), (0.90, 1.10, True),
     (0.98, 1.15, False), (0.85, 1.02, False), (0.8, 1.2, False)],
)  # fmt: skip
def test_no_change_is_conclusive_only_inside_the_tolerance(
    low: float, high: float, conclusive: bool
) -> None:
    result = Comparison(1.0, low, high, "BCa", 0.10, verdict(low, high, 0.10))
    assert result.conclusive is conclusive
    assert result.as_json()["conclusive"] is conclusive
