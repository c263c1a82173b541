"""The three interleaved cold-start series and their comparison."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.postdeploy.coldstart import force_cold_start
from harness.postdeploy.events import SEED_EVENT
from harness.postdeploy.stats import percentile, summarize
from harness.progress import Progress

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

GOAL_RATIO = 0.6
"""Our layer's cold init p50 must be at most this fraction of the seed recipe's."""


@dataclass(frozen=True)
class Subject:
    """One series: a function of one served stack."""

    label: str
    function: str
    name: str
    client: LambdaClient


@dataclass
class Series:
    subject: Subject
    init_ms: list[float] = field(default_factory=list)
    sdk_import_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        init, imports = summarize(self.init_ms), summarize(self.sdk_import_ms)
        return {
            "function": self.subject.function,
            "initMs": [round(v, 3) for v in self.init_ms],
            "init": init.as_json() if init else None,
            "sdkImport": imports.as_json() if imports else None,
            "errors": self.errors,
        }


def sample(series: Series) -> None:
    """One forced cold start; a sample that is not cold or not answered is an error."""
    subject = series.subject
    invocation = force_cold_start(subject.client, subject.name, SEED_EVENT)
    init = invocation.report.init_duration_ms if invocation.report else None
    body = invocation.body or {}
    if invocation.status_code != 200 or init is None:
        series.errors.append(
            f"{subject.label}: request {invocation.request_id} answered "
            f"{invocation.status_code} with Init Duration {init}: {invocation.report_error or ''}"
        )
        return
    series.init_ms.append(init)
    timings = body.get("timingsMs")
    if isinstance(timings, dict) and isinstance(timings.get("sdkImport"), int | float):
        series.sdk_import_ms.append(float(timings["sdkImport"]))


def interleaved(subjects: Sequence[Subject], rounds: int, progress: Progress) -> list[Series]:
    """`rounds` cold starts of each subject, in turn: a, b, c, a, b, c, ..."""
    series = [Series(subject) for subject in subjects]
    for i in range(1, rounds + 1):
        for one in series:
            sample(one)
            shown = f"{one.init_ms[-1]:.0f} ms" if len(one.init_ms) == i else "failed"
            progress(f"round {i}/{rounds}: {one.subject.label} init {shown}")
    return series


def comparison(ours: Series, seed: Series, baseline: Series) -> dict[str, Any]:
    """Medians, ours/seed and each minus baseline (None where a series has no samples)."""

    def median(one: Series) -> float | None:
        return percentile(one.init_ms, 50) if one.init_ms else None

    m_ours, m_seed, m_base = median(ours), median(seed), median(baseline)
    ratio = round(m_ours / m_seed, 3) if m_ours is not None and m_seed else None
    return {
        "medianInitMs": {"ours": m_ours, "seed": m_seed, "baseline": m_base},
        "oursOverSeed": ratio,
        "oursMinusBaselineMs": _minus(m_ours, m_base),
        "seedMinusBaselineMs": _minus(m_seed, m_base),
        "goal": {"maxOursOverSeed": GOAL_RATIO, "met": ratio is not None and ratio <= GOAL_RATIO},
    }


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 3)
