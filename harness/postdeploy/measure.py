"""The suite's measurements, taken once per run and shared by every test that asserts on them.

Order (each function in turn, then the cold starts interleaved across functions so that a busy
moment on the machine, or in AWS, does not land on one function's samples only):
1. the seed's payloads; 2. bad events, then one more invoke that must still be warm; 3. the warm
series; 4. forced cold starts, round-robin, under `preserved_configurations` (restored and
verified at the end, also on failure); 5. the spans of every session the functions reported.
A phase that raises is recorded (redacted) against its function and the run goes on, so the
report always has every number that could be taken.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from harness.postdeploy import events, spans
from harness.postdeploy.checks import EXPECTED_SPANS
from harness.postdeploy.coldstart import (
    Preserved,
    force_cold_start,
    preserved_configurations,
    variables,
)
from harness.postdeploy.invoke import Invocation, invoke
from harness.postdeploy.target import FunctionOutput, Target
from harness.progress import Progress
from harness.secret import Secret
from infra.spec import BENCH_FUNCTION, ENV_API_KEY, ENV_API_URL

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import FunctionConfigurationResponseTypeDef


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


@dataclass
class FunctionRun:
    output: FunctionOutput
    architecture: str = "x86_64"
    seed: list[Invocation] = field(default_factory=list)
    bad: dict[str, Invocation] = field(default_factory=dict)
    after_bad: Invocation | None = None
    warm: list[Invocation] = field(default_factory=list)
    cold: list[Invocation] = field(default_factory=list)
    spans: dict[str, list[spans.SpanRecord]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    """phase -> what went wrong (redacted)."""

    def invocations(self) -> list[Invocation]:
        after = [self.after_bad] if self.after_bad else []
        return [*self.seed, *self.bad.values(), *after, *self.warm, *self.cold]

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
    target: Target,
    settings: SuiteOptions,
    progress: Progress,
    environ: Mapping[str, str] | None = None,
) -> RunRecord:
    record = RunRecord(target, settings, started_at=_now())
    runs = {key: FunctionRun(output) for key, output in target.functions.items()}
    record.functions = runs
    names = [output.name for output in target.functions.values()]
    preserved: Preserved | None = None
    try:
        with preserved_configurations(client, names, redact=record.redact) as preserved:
            configurations = preserved.configurations
            record.api_key = _api_key(configurations)
            for run in runs.values():
                run.architecture = _architecture(configurations[run.output.name])
            for run in runs.values():
                _answers(client, run, record, progress)
            _cold_starts(client, list(runs.values()), record, progress)
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
            _phase(run, record, "cold", functools.partial(_cold_sample, client, run, i))
            progress(f"cold start {i}/{total} of {run.output.key}: {_shown(run, i)}")


def _shown(run: FunctionRun, iteration: int) -> str:
    if len(run.cold) < iteration:
        return f"failed: {run.errors.get('cold', '?')}"
    report = run.cold[-1].report
    if report is None or report.init_duration_ms is None:
        return "no Init Duration in REPORT"
    return f"init {report.init_duration_ms:.0f} ms"


def _cold_sample(client: LambdaClient, run: FunctionRun, iteration: int) -> None:
    event = events.series_event(run.output, iteration)
    run.cold.append(force_cold_start(client, run.output.name, event))


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


def _api_key(configurations: Mapping[str, FunctionConfigurationResponseTypeDef]) -> Secret | None:
    """The key the SDK functions were deployed with (their environment, on both targets)."""
    for configuration in configurations.values():
        key = variables(configuration).get(ENV_API_KEY)
        if key:
            return Secret(key)
    return None


def _architecture(configuration: FunctionConfigurationResponseTypeDef) -> str:
    architectures = configuration.get("Architectures") or ["x86_64"]
    return str(architectures[0])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
