"""The suite's measurements, taken once per run and shared by every test that asserts on them.

Order (each function in turn, then the cold starts interleaved across functions so that a busy
moment on the machine, or in AWS, does not land on one function's samples only):
1. the seed's payloads; 2. bad events, then one more invoke that must still be warm; 3. the warm
series; 4. forced cold starts, round-robin, under `preserved_configurations` (restored and
verified at the end, also on failure), each forced again (bounded) while it lands on an
environment Lambda initialized before the invoke (no Init Duration; counted in `reforced`);
5. per SDK function, one more forced cold start (re-forced alike) with the profiling switches
on (IMPORT_PROFILE_ENV: its import-time lines, read back from its log;
WARM_PROFILE_ENV: then one warm invoke answers with its cProfile summary); 6. the spans of
every session the functions reported.
A phase that raises is recorded (redacted) against its function and the run goes on, so the
report always has every number that could be taken.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from harness.postdeploy import events, importtime, spans
from harness.postdeploy.checks import EXPECTED_SPANS, MAX_REFORCES
from harness.postdeploy.coldstart import (
    Preserved,
    deployed_api_key,
    force_measured_cold_start,
    preserved_configurations,
    variables,
)
from harness.postdeploy.invoke import Invocation, invoke
from harness.postdeploy.logs import cold_start_lines
from harness.postdeploy.target import FunctionOutput, Target
from harness.progress import Progress
from harness.secret import Secret
from infra.spec import (
    BENCH_FUNCTION,
    ENV_API_URL,
    IMPORT_PROFILE_ENV,
    WARM_PROFILE_ENV,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import FunctionConfigurationResponseTypeDef
    from mypy_boto3_logs import CloudWatchLogsClient


LOG_CLOCK_SKEW_MS = 60_000
"""Searched from this long before the profiled cold start: this machine's clock and the log
service's may differ."""


@dataclass(frozen=True)
class SuiteOptions:
    """What the suite measures and judges. Absolute times depend on the machine (Lambda's CPU
    share, or a busy CI runner), so they are targets: reported, met or not, never failing the
    run. What fails the run is correctness, and the SDK's overhead over `baseline` measured in
    the same run, with a generous bound (an SDK that hangs its init or imports something
    enormous, not noise)."""

    cold_starts: int = 5
    warm_invokes: int = 20
    cold_target_ms: float = 500.0
    """Reported: each function's Init Duration p50 against the seed's cold-start bound."""
    warm_target_ms: float = 100.0
    """Reported: each function's warm Duration p50 against the seed's warm bound."""
    max_cold_overhead_ms: float = 3000.0
    """Gated: an SDK function's Init Duration p50 minus baseline's."""
    max_warm_overhead_ms: float = 1000.0
    """Gated: an SDK function's warm Duration p50 minus baseline's (it starts a session and
    flushes over the network on every invoke)."""
    max_reforces: int = MAX_REFORCES
    """How often one forced cold start is forced again while it lands on a proactively
    initialized environment."""

    def scaled(self, factor: float) -> SuiteOptions:
        """The gates for a target `factor` times slower than natively (a local runtime of the
        other architecture, under qemu-user): its overheads grow with it, so do the bounds."""
        if factor == 1.0:
            return self
        return replace(
            self,
            max_cold_overhead_ms=self.max_cold_overhead_ms * factor,
            max_warm_overhead_ms=self.max_warm_overhead_ms * factor,
        )


@dataclass
class FunctionRun:
    output: FunctionOutput
    architecture: str = "x86_64"
    seed: list[Invocation] = field(default_factory=list)
    bad: dict[str, Invocation] = field(default_factory=dict)
    after_bad: Invocation | None = None
    warm: list[Invocation] = field(default_factory=list)
    cold: list[Invocation] = field(default_factory=list)
    reforced: int = 0
    """Forced cold starts forced again: they landed on a proactively initialized environment."""
    spans: dict[str, list[spans.SpanRecord]] = field(default_factory=dict)
    profiled: list[Invocation] = field(default_factory=list)
    """The profiling cold start and the warm invoke after it (SDK functions)."""
    import_profile: importtime.ImportProfile | None = None
    warm_profile: dict[str, object] | None = None
    """The handler's cProfile summary of one warm invocation (`profile` in its answer)."""
    warm_profile_error: str | None = None
    """Why the handler could not summarise that profile (`profileError` in its answer)."""
    errors: dict[str, str] = field(default_factory=dict)
    """phase -> what went wrong (redacted)."""

    def invocations(self, *, profiled: bool = True) -> list[Invocation]:
        """Every invocation; `profiled=False` leaves out the profiled ones, whose profilers
        slow them and add to their memory."""
        after = [self.after_bad] if self.after_bad else []
        extra = self.profiled if profiled else []
        return [*self.seed, *self.bad.values(), *after, *self.warm, *self.cold, *extra]

    def sessions(self) -> list[str]:
        """Every session id an answered invocation reported."""
        found = []
        for invocation in self.invocations():
            body = invocation.body or {}
            if invocation.status_code == 200 and isinstance(body.get("sessionId"), str):
                found.append(body["sessionId"])
        return found


@dataclass
class RunRecord:
    target: Target
    settings: SuiteOptions
    functions: dict[str, FunctionRun] = field(default_factory=dict)
    api_key: Secret | None = None
    error: str | None = None
    """A failure before any function could be measured (reading the configurations)."""
    restore_problems: list[str] = field(default_factory=list)
    spans_source: str | None = None
    spans_skipped: str | None = None
    snapstart: dict[str, Any] | None = None
    """With `snapStart`: the SnapStart phase's summary (snapstart_run.summary), for the report."""
    started_at: str = ""
    finished_at: str = ""

    def redact(self, text: str) -> str:
        return self.api_key.redact(text) if self.api_key else text

    def describe(self, exc: BaseException) -> str:
        """An exception as one redacted line, plus where it was raised."""
        frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        place = f" (at {frame[0].filename}:{frame[0].lineno})" if frame else ""
        return self.redact(f"{type(exc).__name__}: {exc}{place}")


def measure(
    client: LambdaClient,
    logs: CloudWatchLogsClient,
    target: Target,
    settings: SuiteOptions,
    progress: Progress,
    *,
    environ: Mapping[str, str] | None = None,
) -> RunRecord:
    if target.time_scale != 1.0:
        progress(
            f"emulated runtime(s), {target.time_scale:g}x slower than natively (measured): the "
            "overhead gates are scaled by it, and durations are emulated, not Lambda's"
        )
    settings = settings.scaled(target.time_scale)
    record = RunRecord(target, settings, started_at=_now())
    runs = {key: FunctionRun(output) for key, output in target.functions.items()}
    record.functions = runs
    names = [output.name for output in target.functions.values()]
    preserved: Preserved | None = None
    try:
        with preserved_configurations(client, names, redact=record.redact) as preserved:
            configurations = preserved.configurations
            record.api_key = deployed_api_key(configurations)
            for run in runs.values():
                run.architecture = _architecture(configurations[run.output.name])
            for run in runs.values():
                _answers(client, run, record, progress)
            _cold_starts(client, list(runs.values()), record, progress)
            for run in runs.values():
                if run.output.sdk:
                    _attribution(client, logs, run, record, progress)
    except Exception as exc:  # noqa: BLE001 - the run is reported; every test then fails with it
        record.error = f"the run stopped: {record.describe(exc)}"
    if preserved is not None:
        record.restore_problems = preserved.problems
        if preserved.restored:
            progress(f"restored the configuration of {', '.join(preserved.restored)}")
    if record.error is not None or preserved is None:
        record.finished_at = _now()
        return record
    working = preserved.configurations.get(target.functions[BENCH_FUNCTION].name)
    api_url = variables(working).get(ENV_API_URL) if working else None
    _spans(record, environ if environ is not None else os.environ, api_url, progress)
    record.finished_at = _now()
    return record


def _phase(run: FunctionRun, record: RunRecord, phase: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - recorded: the tests of this phase fail with it
        run.errors[phase] = record.describe(exc)


def _answers(client: LambdaClient, run: FunctionRun, record: RunRecord, progress: Progress) -> None:
    """Seed payloads, bad events (then still warm), and the warm series of one function."""
    function = run.output
    progress(f"{function.key}: seed payloads, {len(events.BAD_EVENTS)} bad events, "
             f"{record.settings.warm_invokes} warm invokes")  # fmt: skip

    def seed() -> None:
        for event in events.seed_events(function):
            run.seed.append(invoke(client, function.name, event))

    def bad() -> None:
        for label, event in events.BAD_EVENTS.items():
            run.bad[label] = invoke(client, function.name, event)
        run.after_bad = invoke(client, function.name, events.SEED_EVENT)

    def warm() -> None:
        for i in range(1, record.settings.warm_invokes + 1):
            run.warm.append(invoke(client, function.name, events.series_event(function, i)))

    _phase(run, record, "seed", seed)
    _phase(run, record, "bad", bad)
    _phase(run, record, "warm", warm)


def _cold_starts(
    client: LambdaClient, runs: list[FunctionRun], record: RunRecord, progress: Progress
) -> None:
    total = record.settings.cold_starts
    for i in range(1, total + 1):
        for run in runs:
            if "cold" in run.errors:
                continue
            sample = functools.partial(_cold_sample, client, run, i, record.settings.max_reforces)
            before = run.reforced
            _phase(run, record, "cold", sample)
            again = run.reforced - before
            shown = _shown(run, i) + (f" (re-forced {again}x: proactive init)" if again else "")
            progress(f"cold start {i}/{total} of {run.output.key}: {shown}")


def _shown(run: FunctionRun, iteration: int) -> str:
    if len(run.cold) < iteration:
        return f"failed: {run.errors.get('cold', '?')}"
    report = run.cold[-1].report
    if report is None or report.init_duration_ms is None:
        return "no Init Duration in REPORT"
    return f"init {report.init_duration_ms:.0f} ms"


def _cold_sample(
    client: LambdaClient, run: FunctionRun, iteration: int, reforces: int = MAX_REFORCES
) -> None:
    event = events.series_event(run.output, iteration)
    invocation, reforced = force_measured_cold_start(
        client, run.output.name, event, reforces=reforces
    )
    run.reforced += reforced
    run.cold.append(invocation)


PROFILING = {IMPORT_PROFILE_ENV: "1", WARM_PROFILE_ENV: "1"}
ATTRIBUTION_PHASES = ("attribution", "import profile", "warm profile")
"""The profiled invokes, then what each one yields: recorded apart, so one failing loses
nothing the other found."""


def _attribution(
    client: LambdaClient,
    logs: CloudWatchLogsClient,
    run: FunctionRun,
    record: RunRecord,
    progress: Progress,
) -> None:
    """Where one cold start's import time and one warm invocation's time go."""
    function = run.output
    progress(f"{function.key}: a profiled cold start and warm invoke (where the time goes)")
    since_ms = int(datetime.now(UTC).timestamp() * 1000) - LOG_CLOCK_SKEW_MS
    cold: list[Invocation] = []
    warm: list[Invocation] = []

    def profiled() -> None:
        invocation, reforced = force_measured_cold_start(
            client,
            function.name,
            events.SEED_EVENT,
            extra=PROFILING,
            reforces=record.settings.max_reforces,
        )
        run.reforced += reforced
        cold.append(invocation)
        warm.append(invoke(client, function.name, events.SEED_EVENT))

    invoked, imports, answered = ATTRIBUTION_PHASES
    _phase(run, record, invoked, profiled)
    run.profiled += [*cold, *warm]
    if cold:
        read = functools.partial(_import_profile, logs, run, cold[0], since_ms)
        _phase(run, record, imports, read)
    if warm:
        _phase(run, record, answered, functools.partial(_warm_profile, run, warm[0]))


def _import_profile(
    logs: CloudWatchLogsClient, run: FunctionRun, cold: Invocation, since_ms: int
) -> None:
    """The profiled cold start's `import time:` lines, from the function's log group."""
    log_group = run.output.log_group
    lines = cold_start_lines(logs, log_group, cold.request_id, since_ms)
    profile = importtime.parse(lines)
    if not profile.modules:
        raise RuntimeError(
            f"the profiled cold start's log ({len(lines)} lines in {log_group}) holds no "
            f"`import time:` lines: was {IMPORT_PROFILE_ENV} set?"
        )
    run.import_profile = profile


def _warm_profile(run: FunctionRun, warm: Invocation) -> None:
    """The warm invoke's `profile`, or the `profileError` its handler answered with instead
    (kept for the checks and the report: the invoke itself succeeded)."""
    body = warm.body or {}
    if warm.status_code == 200 and isinstance(body.get("profile"), dict):
        run.warm_profile = body["profile"]
    elif warm.status_code == 200 and isinstance(body.get("profileError"), str):
        run.warm_profile_error = body["profileError"]
    else:
        raise RuntimeError(
            f"the warm invoke after the profiled cold start answered {warm.status_code} "
            f"without a `profile` (coldStart={body.get('coldStart')})"
        )


def _spans(
    record: RunRecord, environ: Mapping[str, str], api_url: str | None, progress: Progress
) -> None:
    try:
        source, skipped = spans.span_source(record.target.ingest_url, environ, api_url)
    except Exception as exc:  # noqa: BLE001 - e.g. a malformed read key: reported, run goes on
        record.spans_skipped = f"cannot read spans back: {record.describe(exc)}"
        return
    if source is None:
        record.spans_skipped = skipped
        progress(skipped or "spans are not read back")
        return
    record.spans_source = source.description
    for run in record.functions.values():
        expected_names = EXPECTED_SPANS.get(run.output.key)
        if expected_names is None:
            continue
        wanted = dict.fromkeys(run.sessions(), expected_names)
        progress(f"{run.output.key}: reading the spans of {len(wanted)} sessions from "
                 f"{source.description}")  # fmt: skip

        def read(run: FunctionRun = run, wanted: dict[str, set[str]] = wanted) -> None:
            run.spans = spans.collect(source, wanted)

        _phase(run, record, "spans", read)


def _architecture(configuration: FunctionConfigurationResponseTypeDef) -> str:
    architectures = configuration.get("Architectures") or ["x86_64"]
    return str(architectures[0])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
