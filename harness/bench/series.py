"""The interleaved cold-start series of the benchmark's subjects, and their import profiles.

Rounds swap head and base (head, base, baseline, then base, head, baseline, ...): over any two
rounds each SDK runs once first and once second, after baseline once and after the other SDK
once, so whatever a cold start leaves behind on the machine (page cache, CPU frequency, a busy
moment) falls on both sides alike.

A sample or profile that fails (the function's answer, the configuration change, the log read)
is recorded as an error of its series and the run goes on: the report shows every failure and
the bench exits non-zero (run.failed), instead of losing the samples already taken.

A forced cold start that lands on an environment Lambda initialized before the invoke
(proactive initialization: no Init Duration to measure) is forced again, at most
`checks.MAX_REFORCES` times, and counted in `reforced`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from harness.errors import HarnessError
from harness.postdeploy import importtime
from harness.postdeploy.checks import MAX_REFORCES, proactively_initialized
from harness.postdeploy.coldstart import force_measured_cold_start
from harness.postdeploy.events import SEED_EVENT
from harness.postdeploy.logs import cold_start_lines
from harness.postdeploy.measure import LOG_CLOCK_SKEW_MS
from harness.postdeploy.stats import summarize
from harness.progress import Progress
from infra.spec import IMPORT_PROFILE_ENV

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient

GOAL_RATIO = 0.6
"""With the seed recipe as base: our layer's cold init p50 must be at most this fraction of
the seed recipe's (reported, not enforced)."""


@dataclass(frozen=True)
class Subject:
    """One series: a deployed (or served) function and the SDK version it must report."""

    label: str
    function: str
    name: str
    log_group: str
    client: LambdaClient
    sdk_version: str | None
    """What every answer's sdkVersion must be (None: a function without the SDK)."""


@dataclass
class Series:
    subject: Subject
    init_ms: list[float] = field(default_factory=list)
    roundtrip_ms: list[float] = field(default_factory=list)
    """Per valid sample: the invoke as the caller saw it (the SnapStart comparison's measure)."""
    duration_ms: list[float] = field(default_factory=list)
    billed_ms: list[int] = field(default_factory=list)
    sdk_import_ms: list[float] = field(default_factory=list)
    import_profiles: list[importtime.ImportProfile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reforced: int = 0
    """Cold starts forced again: they landed on a proactively initialized environment."""

    def import_profile(self) -> importtime.ImportProfile | None:
        return importtime.merged(self.import_profiles) if self.import_profiles else None

    def as_json(self) -> dict[str, Any]:
        init, imports = summarize(self.init_ms), summarize(self.sdk_import_ms)
        profile = self.import_profile()
        return {
            "function": self.subject.function,
            "name": self.subject.name,
            "sdkVersion": self.subject.sdk_version,
            "initMs": [round(v, 3) for v in self.init_ms],
            "init": init.as_json() if init else None,
            "sdkImport": imports.as_json() if imports else None,
            "importProfiles": len(self.import_profiles),
            "reforced": self.reforced,
            "imports": profile.as_json() if profile else None,
            "errors": self.errors,
        }


def _checked(series: Series, invocation: Any) -> float | None:
    """The sample's Init Duration, or None after recording why it is not a valid sample."""
    subject, body = series.subject, invocation.body or {}
    init = invocation.report.init_duration_ms if invocation.report else None
    problem = None
    if invocation.status_code != 200 or body.get("status") != "SUCCESS":
        problem = f"answered {invocation.status_code} {body.get('error') or ''}".strip()
    elif init is None and proactively_initialized(invocation):
        problem = (
            f"has no Init Duration in its REPORT after {MAX_REFORCES} re-forced cold starts: "
            "each landed on an environment initialized before the invoke"
        )
    elif init is None:
        problem = f"has no Init Duration in its REPORT ({invocation.report_error or 'not cold'})"
    elif body.get("sdkVersion") != subject.sdk_version:
        problem = (
            f"reports sdkVersion {body.get('sdkVersion')!r}, not {subject.sdk_version!r}: the "
            "layer does not hold the SDK this side names"
        )
    if problem is not None:
        series.errors.append(f"{subject.label}: request {invocation.request_id} {problem}")
        return None
    return init


FAILURES = (HarnessError, ClientError, BotoCoreError)
"""What a sample may raise that is about the target, not about this code."""


def _failed(series: Series, what: str, exc: Exception) -> None:
    series.errors.append(f"{series.subject.label}: {what} failed: {type(exc).__name__}: {exc}")


def sample(series: Series) -> None:
    """One forced cold start; a sample that is not cold, not answered or not from the SDK this
    side names is an error, not a number."""
    try:
        invocation, reforced = force_measured_cold_start(
            series.subject.client, series.subject.name, SEED_EVENT
        )
    except FAILURES as exc:
        _failed(series, "a forced cold start", exc)
        return
    series.reforced += reforced
    init = _checked(series, invocation)
    if init is None:
        return
    series.init_ms.append(init)
    series.roundtrip_ms.append(invocation.roundtrip_ms)
    if invocation.report is not None:
        series.duration_ms.append(invocation.report.duration_ms)
        series.billed_ms.append(invocation.report.billed_duration_ms)
    timings = (invocation.body or {}).get("timingsMs")
    if isinstance(timings, dict) and isinstance(timings.get("sdkImport"), int | float):
        series.sdk_import_ms.append(float(timings["sdkImport"]))


def profile(series: Series, logs: CloudWatchLogsClient) -> None:
    """One forced cold start with IMPORT_PROFILE_ENV: its `import time:` lines, from its log."""
    subject = series.subject
    since_ms = int(datetime.now(UTC).timestamp() * 1000) - LOG_CLOCK_SKEW_MS
    try:
        invocation, reforced = force_measured_cold_start(
            subject.client, subject.name, SEED_EVENT, extra={IMPORT_PROFILE_ENV: "1"}
        )
        series.reforced += reforced
        if _checked(series, invocation) is None:
            return
        lines = cold_start_lines(logs, subject.log_group, invocation.request_id, since_ms)
    except FAILURES as exc:
        _failed(series, "a profiled cold start", exc)
        return
    parsed = importtime.parse(lines)
    if not parsed.modules:
        series.errors.append(
            f"{subject.label}: the profiled cold start {invocation.request_id} logged no "
            "`import time:` lines"
        )
        return
    series.import_profiles.append(parsed)


def _order(series: Sequence[Series], round_number: int) -> Sequence[Series]:
    """Odd rounds as given, even rounds with the first two (head and base) swapped."""
    if round_number % 2 or len(series) < 2:
        return series
    return [series[1], series[0], *series[2:]]


def rounds(series: Sequence[Series], first: int, last: int, progress: Progress) -> None:
    """Rounds `first`..`last`: one cold start of each series per round, in `_order`."""
    for i in range(first, last + 1):
        for one in _order(series, i):
            before = len(one.init_ms)
            sample(one)
            shown = f"{one.init_ms[-1]:.0f} ms" if len(one.init_ms) > before else "failed"
            progress(f"round {i}/{last}: {one.subject.label} init {shown}")


def profiles(
    series: Sequence[Series], count: int, logs: CloudWatchLogsClient, progress: Progress
) -> None:
    """`count` profiled cold starts of each series, alternating like the rounds."""
    for i in range(1, count + 1):
        for one in _order(series, i):
            progress(f"import profile {i}/{count}: {one.subject.label}")
            profile(one, logs)
