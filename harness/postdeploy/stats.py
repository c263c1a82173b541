"""Percentiles and summaries of small samples (a handful of cold starts, a few dozen warm ones)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), interpolated linearly between the closest ranks.

    The same definition as numpy's default and `statistics.quantiles(method="inclusive")`, so
    p50 is the median and p0/p100 are the min/max, for any sample size from 1 up.
    """
    if not values:
        raise ValueError("percentile of an empty sample")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float
    p95: float
    min: float
    max: float
    mean: float

    def as_json(self) -> dict[str, float | int]:
        return {
            "count": self.count,
            "p50": round(self.p50, 3),
            "p95": round(self.p95, 3),
            "min": round(self.min, 3),
            "max": round(self.max, 3),
            "mean": round(self.mean, 3),
        }


def summarize(values: Sequence[float]) -> Summary | None:
    """p50, p95, min, max and mean of a sample; None for an empty one."""
    if not values:
        return None
    return Summary(
        count=len(values),
        p50=percentile(values, 50),
        p95=percentile(values, 95),
        min=min(values),
        max=max(values),
        mean=sum(values) / len(values),
    )
