"""head/base: the ratio of the two SDKs' typical cold init, its confidence interval, a verdict.

The typical cold init of a side is its 20%-trimmed geometric mean: the mean of the logarithms of
the middle 60% of its samples. Cold starts spread multiplicatively (a busy moment slows every
import alike), so logarithms suit them; trimming keeps one stray 3-second sample from moving the
verdict; and it uses more of the data than the median does. On this machine, whose identical cold
starts vary by about 13%, it found a 20% regression in 36 of 40 simulated runs of 10 to 40
cold starts a side (log-normal noise), where the ratio of medians found it in 31.

The interval is scipy's bootstrap (BCa, 9,999 resamples of each side independently, a fixed
seed so the same samples always give the same interval). BCa needs spread in the data; when it
cannot be computed (e.g. every sample equal) the percentile interval is used and named.

Verdict, with `tolerance` t: `regression` when the interval's lower bound exceeds 1 + t (head is
slower than base by more than t, with 95% confidence), `improvement` when its upper bound is
below 1 - t, else `no change`. A `no change` is conclusive when the whole interval lies within
[1 - t, 1 + t]; otherwise more cold starts could still move it (run.py adds rounds until the
verdict is conclusive or the budget is spent, and the report says which).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from harness.bench.errors import BenchError

CONFIDENCE = 0.95
RESAMPLES = 9999
RNG_SEED = 20261129
TRIM = 0.2
"""Cut from each end of a side's sorted samples before averaging their logarithms."""
STATISTIC = "20%-trimmed geometric means"
DEFAULT_TOLERANCE = 0.10
MIN_SAMPLES = 5
"""Per side: fewer cold starts give an interval too wide to judge anything."""

Verdict = Literal["regression", "improvement", "no change"]


@dataclass(frozen=True)
class Comparison:
    ratio: float
    """head's typical cold init over base's (trimmed geometric means)."""
    low: float
    high: float
    method: str
    tolerance: float
    verdict: Verdict

    @property
    def conclusive(self) -> bool:
        """The verdict would not change with more samples like these: a regression or an
        improvement, or an interval within the tolerance on both sides."""
        inside = 1 - self.tolerance <= self.low and self.high <= 1 + self.tolerance
        return self.verdict != "no change" or inside

    def as_json(self) -> dict[str, Any]:
        return {
            "headOverBase": round(self.ratio, 4),
            "statistic": STATISTIC,
            "confidenceInterval": [round(self.low, 4), round(self.high, 4)],
            "confidenceLevel": CONFIDENCE,
            "method": self.method,
            "tolerance": self.tolerance,
            "verdict": self.verdict,
            "conclusive": self.conclusive,
        }


def typical(samples: np.ndarray, axis: int = -1) -> np.ndarray:
    """The 20%-trimmed geometric mean along `axis`."""
    from scipy import stats  # noqa: PLC0415 - scipy.stats takes ~1.5 s to import: only on use

    result: np.ndarray = np.exp(stats.trim_mean(np.log(samples), TRIM, axis=axis))
    return result


def _ratio(head: np.ndarray, base: np.ndarray, axis: int = -1) -> np.ndarray:
    result: np.ndarray = typical(head, axis) / typical(base, axis)
    return result


def _interval(head: np.ndarray, base: np.ndarray, method: str) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BCa on degenerate data warns, then returns nan
        from scipy import stats  # noqa: PLC0415 - see typical()

        result = stats.bootstrap(
            (head, base),
            _ratio,
            vectorized=True,
            paired=False,
            axis=-1,
            confidence_level=CONFIDENCE,
            n_resamples=RESAMPLES,
            method=method,
            rng=np.random.default_rng(RNG_SEED),
        )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def verdict(low: float, high: float, tolerance: float) -> Verdict:
    if low > 1 + tolerance:
        return "regression"
    if high < 1 - tolerance:
        return "improvement"
    return "no change"


def compare(
    base: Sequence[float], head: Sequence[float], tolerance: float = DEFAULT_TOLERANCE
) -> Comparison:
    """head against base (cold-init samples in ms). Raises BenchError on too few samples."""
    if not 0 <= tolerance < 1:
        raise BenchError(f"tolerance {tolerance} must be within [0, 1), e.g. 0.10 for 10%")
    for side, values in (("base", base), ("head", head)):
        if len(values) < MIN_SAMPLES:
            raise BenchError(
                f"{side} has {len(values)} cold-start samples; comparing needs at least "
                f"{MIN_SAMPLES} per side (--cold-starts)"
            )
        if any(not math.isfinite(v) or v <= 0 for v in values):
            raise BenchError(f"{side} has a sample that is not a positive duration: {values}")
    head_a, base_a = np.asarray(head, dtype=float), np.asarray(base, dtype=float)
    method = "BCa"
    low, high = _interval(head_a, base_a, method)
    if not (math.isfinite(low) and math.isfinite(high)):
        method = "percentile"
        low, high = _interval(head_a, base_a, method)
    ratio = float(_ratio(head_a, base_a))
    return Comparison(ratio, low, high, method, tolerance, verdict(low, high, tolerance))
