"""`python -m harness bench --snapstart`: one SDK, on demand against SnapStart, in one run.

On a stack with `snapStart` on (served locally, or deployed), BENCH_FUNCTION runs two ways:
`$LATEST` starts on demand (forced cold starts, series.py) and its alias runs the published
version, every new environment restored from its snapshot. Each round takes one forced cold start
of `$LATEST` and one restore of the alias, alternating which goes first.

A restore sample is the first invocation of a new restored environment: the handler's first call
there (`coldStart`; AWS gives a SnapStart function no log stream name to tell environments by).
Nothing makes Lambda retire a version's environments (a configuration change only touches
`$LATEST`), so a burst sends as many invocations at once as the alias is known to have
environments, plus one: one of them must land in a new environment. An invocation that lands in an
environment restored before is counted as reused, not sampled. A burst that restores nothing shows
the alias has at least that many environments (left by an earlier run, or the suite's), so the next
burst is twice as large, at most MAX_EMPTY_BURSTS times in a row. So the alias needs as much
concurrency as the environments it already has plus the rounds. A first restore primes the alias
and is not sampled (the local runtime makes its image then; Lambda runs init when the version is
published).

Compared: the first call as the caller sees it (the invoke's round trip, both sides), SnapStart
over on demand with the bench's interval (compare.py: `improvement` means SnapStart is faster).
On AWS also REPORT's Restore Duration against `$LATEST`'s Init Duration, AWS's cold start (Restore
Duration + Duration against Init Duration + Duration) and the cost per 1,000 such first calls,
restore and cache included (cost.py). Locally Restore Duration is not emulated (a restore is a
fork of the post-init image, docs/local-runtime.md): the round trip shows the init SnapStart
takes out of a new environment's first call on this machine, not what Lambda's restore costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from harness.bench import compare, series
from harness.bench.errors import BenchError
from harness.postdeploy.client import lambda_client
from harness.postdeploy.coldstart import deployed_api_key, preserved_configurations
from harness.postdeploy.cost import LAMBDA_PRICES, cost_per_1000_usd
from harness.postdeploy.events import SEED_EVENT
from harness.postdeploy.invoke import Invocation, invoke
from harness.postdeploy.snapstart_run import restore_durations, snapstart_costs
from harness.postdeploy.stats import summarize
from harness.postdeploy.target import Target
from harness.progress import Progress
from harness.secret import Secret
from infra.snapstart import SNAPSTART_INITIALIZATION_TYPE
from infra.spec import BENCH_FUNCTION

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

MAX_EMPTY_BURSTS: Final = 4
"""Empty bursts in a row before giving up: sizes k, 2k, 4k, 8k."""
LOCAL_NOTE: Final = (
    "Local: Restore Duration is not emulated (a restore is a fork of the post-init image); the "
    "first call's round trip shows the init SnapStart takes out of a new environment's first "
    "call on this machine, not what Lambda's restore costs. Restore Duration comes from AWS only."
)


@dataclass
class Restores:
    """The alias's restored environments: their first calls, and what else the bursts did."""

    arn: str
    client: LambdaClient
    sdk_version: str | None
    expect_restore_report: bool = True
    """On AWS a restored environment's REPORT carries Restore Duration (not emulated locally)."""
    known: int = 0
    """Environments the alias has at least: those restored here, or an empty burst's size."""
    restored: int = 0
    roundtrip_ms: list[float] = field(default_factory=list)
    duration_ms: list[float] = field(default_factory=list)
    billed_ms: list[int] = field(default_factory=list)
    restore_ms: list[float] = field(default_factory=list)
    billed_restore_ms: list[int] = field(default_factory=list)
    reused: int = 0
    """Invocations of a burst that landed in an environment restored before (not sampled)."""
    bursts: int = 0
    errors: list[str] = field(default_factory=list)


def snapstart_alias(target: Target) -> str:
    """BENCH_FUNCTION's alias ARN from the outputs; BenchError saying how to turn SnapStart on."""
    snap = target.outputs.get("snapStart")
    entry = (snap.get("functions") or {}).get(BENCH_FUNCTION) if isinstance(snap, dict) else None
    if not isinstance(entry, dict) or not entry.get("qualifiedArn"):
        raise BenchError(
            f"{target.source} has no SnapStart alias of {BENCH_FUNCTION} (no `snapStart` output): "
            "deploy it with `pulumi config set snapStart true` and `make up` (python3.12 or "
            "later), or compare locally with `make bench COMPARE=snapstart`"
        )
    return str(entry["qualifiedArn"])


def _problem(restores: Restores, invocation: Invocation) -> str | None:
    body = invocation.body or {}
    if invocation.function_error or invocation.status_code != 200:
        return f"answered {invocation.status_code} {invocation.payload_text[:300]}"
    if body.get("sdkVersion") != restores.sdk_version:
        return (
            f"reports sdkVersion {body.get('sdkVersion')!r}, not {restores.sdk_version!r}: the "
            "published version does not hold the SDK the stack names (deploy it again)"
        )
    if body.get("initializationType") != SNAPSTART_INITIALIZATION_TYPE:
        return (
            f"ran in a {body.get('initializationType')!r} environment, not "
            f"{SNAPSTART_INITIALIZATION_TYPE!r}: the alias does not run a SnapStart version"
        )
    return None


def _record(restores: Restores, invocation: Invocation) -> bool:
    """Take one answer of a burst; True when it was a new restored environment's first call."""
    problem = _problem(restores, invocation)
    if problem is not None:
        restores.errors.append(f"snapstart: request {invocation.request_id} {problem}")
        return False
    if (invocation.body or {}).get("coldStart") is not True:
        restores.reused += 1
        return False
    restores.restored += 1
    restores.roundtrip_ms.append(invocation.roundtrip_ms)
    if invocation.report is not None:
        restores.duration_ms.append(invocation.report.duration_ms)
        restores.billed_ms.append(invocation.report.billed_duration_ms)
    restore, billed = restore_durations(invocation.log)
    if restore is not None:
        restores.restore_ms.append(restore)
    if billed is not None:
        restores.billed_restore_ms.append(billed)
    if restores.expect_restore_report and (restore is None or billed is None):
        restores.errors.append(
            f"snapstart: request {invocation.request_id}: the first call of a restored "
            "environment has no Restore Duration and Billed Restore Duration in its REPORT: "
            f"{invocation.log.strip().splitlines()[-1:]}"
        )
    return True


def burst(restores: Restores) -> int:
    """As many invocations at once as the alias is known to have environments, plus one; the new
    restored environments they found."""
    size = restores.known + 1
    restores.bursts += 1
    with ThreadPoolExecutor(size) as executor:
        answers = list(
            executor.map(lambda _: invoke(restores.client, restores.arn, SEED_EVENT), range(size))
        )
    found = sum(_record(restores, answer) for answer in answers)
    # None new: the alias has at least `size` environments; the next burst is twice as large.
    restores.known = restores.known + found if found else max(restores.known, 2 * size - 1)
    return found


def _throttled_fix(exc: Exception, restores: Restores) -> str:
    """What to do when Lambda refused a burst for lack of concurrency."""
    if not isinstance(exc, ClientError):
        return ""
    if exc.response.get("Error", {}).get("Code") != "TooManyRequestsException":
        return ""
    return (
        f" (a burst of {restores.known + 1} concurrent invocations: the account's "
        "unreserved concurrency must cover the alias's environments plus the rounds; lower "
        "--cold-starts, or ask AWS for a higher concurrency quota)"
    )


def restore(restores: Restores) -> None:
    """Bursts until one restores a new environment, at most MAX_EMPTY_BURSTS in a row."""
    for _ in range(MAX_EMPTY_BURSTS):
        try:
            if burst(restores):
                return
        except series.FAILURES as exc:
            restores.errors.append(f"snapstart: a burst failed: {type(exc).__name__}: {exc}"
                                   f"{_throttled_fix(exc, restores)}")  # fmt: skip
            return
    restores.errors.append(
        f"snapstart: {MAX_EMPTY_BURSTS} bursts in a row restored no new environment (the last "
        f"{(restores.known + 1) // 2} invocations at once all landed on environments restored "
        "before): raise the alias's concurrency, or wait for its idle environments to be retired"
    )


def _sampled(side: str, on_demand: series.Series, restores: Restores) -> str:
    """One sample of `side`: its first call's round trip, or `failed`."""
    taken = on_demand.roundtrip_ms if side == "on-demand" else restores.roundtrip_ms
    before = len(taken)
    if side == "on-demand":
        series.sample(on_demand)
    else:
        restore(restores)
    return f"{taken[-1]:.0f} ms" if len(taken) > before else "failed"


def prime(restores: Restores, progress: Progress) -> None:
    """One restore that is not sampled: the local runtime makes the image on the alias's first
    restore (Lambda runs init when the version is published, before any invocation)."""
    restore(restores)
    shown = f"{restores.roundtrip_ms[-1]:.0f} ms" if restores.roundtrip_ms else "failed"
    progress(f"primed the alias (not sampled): first call {shown}")
    for samples in (restores.roundtrip_ms, restores.duration_ms, restores.billed_ms,
                    restores.restore_ms, restores.billed_restore_ms):  # fmt: skip
        samples.clear()


def rounds(on_demand: series.Series, restores: Restores, count: int, progress: Progress) -> None:
    """`count` rounds after `prime`: one forced cold start of `$LATEST` and one restore,
    alternating which goes first; they stop at the first restore that fails (more bursts would
    not help)."""
    prime(restores, progress)
    if restores.errors:
        return
    for i in range(1, count + 1):
        for side in ("on-demand", "snapstart") if i % 2 else ("snapstart", "on-demand"):
            progress(f"round {i}/{count}: {side} first call {_sampled(side, on_demand, restores)}")
        if restores.errors:
            return


def _summary(values: list[float]) -> dict[str, Any] | None:
    summary = summarize(values)
    return summary.as_json() if summary else None


def _sums(a: list[float], b: list[float]) -> list[float]:
    """Per sample a + b, when both were recorded for every sample."""
    return [x + y for x, y in zip(a, b, strict=True)] if a and len(a) == len(b) else []


def comparison(on_demand: series.Series, restores: Restores, tolerance: float) -> dict[str, Any]:
    """SnapStart over on demand: the first call's round trip (the verdict), and AWS's cold start
    where Restore Duration was reported."""
    for side, samples in (("on demand", on_demand.roundtrip_ms),
                          ("SnapStart", restores.roundtrip_ms)):  # fmt: skip
        if len(samples) < compare.MIN_SAMPLES:
            return {
                "verdict": None,
                "reason": f"{side} has {len(samples)} first calls; comparing needs at least "
                f"{compare.MIN_SAMPLES} per side (--cold-starts)",
            }
    try:
        result = compare.compare(on_demand.roundtrip_ms, restores.roundtrip_ms, tolerance)
    except BenchError as exc:
        return {"verdict": None, "reason": str(exc)}
    shown = result.as_json()
    shown["snapStartOverOnDemand"] = shown.pop("headOverBase")
    return {
        **shown,
        "meaning": {"improvement": "SnapStart faster", "regression": "SnapStart slower",
                    "no change": "no clear difference"}[result.verdict],
    }  # fmt: skip


def _side(
    first_call: list[float], start: list[float], duration: list[float], billed: list[int]
) -> dict[str, Any]:
    return {
        "firstCallMs": [round(v, 3) for v in first_call],
        "firstCall": _summary(first_call),
        "startMs": _summary(start),
        "coldStartMs": _summary(_sums(start, duration)),
        "billedMs": _summary([float(b) for b in billed]),
    }


def document(
    target: Target,
    on_demand: series.Series,
    restores: Restores,
    *,
    memory_mb: int,
    architecture: str,
    tolerance: float,
) -> dict[str, Any]:
    """The `snapStart` part of bench.json."""
    on_demand_cold = cost_per_1000_usd(on_demand.billed_ms, memory_mb, architecture)
    costs = snapstart_costs(memory_mb, architecture, restores.billed_ms, restores.billed_restore_ms)
    return {
        "alias": restores.arn,
        "memorySizeMb": memory_mb,
        "onDemand": {
            **_side(on_demand.roundtrip_ms, on_demand.init_ms, on_demand.duration_ms,
                    on_demand.billed_ms),
            "reforced": on_demand.reforced,
            "costPer1000Usd": None if on_demand_cold is None else round(on_demand_cold, 6),
        },
        "snapStart": {
            **_side(restores.roundtrip_ms, restores.restore_ms, restores.duration_ms,
                    restores.billed_ms),
            "billedRestoreMs": _summary([float(b) for b in restores.billed_restore_ms]),
            "environments": restores.restored,
            "reused": restores.reused,
            "bursts": restores.bursts,
            "costs": costs,
        },
        "comparison": comparison(on_demand, restores, tolerance),
        "prices": LAMBDA_PRICES.as_json(),
        "restoreReported": target.kind != "local",
        "errors": [*on_demand.errors, *restores.errors],
    }  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def measure(target: Target, count: int, tolerance: float, progress: Progress) -> dict[str, Any]:
    """The measured part of bench.json for `--snapstart`; BenchError without the alias."""
    arn = snapstart_alias(target)
    output = target.functions[BENCH_FUNCTION]
    client = lambda_client(target)
    subject = series.Subject(
        "on-demand", output.key, output.name, output.log_group, client, output.sdk_version
    )
    on_demand = series.Series(subject)
    restores = Restores(arn, client, output.sdk_version, target.kind != "local")
    started = _now()
    key: list[Secret] = []
    with preserved_configurations(
        client, [output.name], lambda text: key[0].redact(text) if key else text
    ) as preserved:
        key.extend(filter(None, [deployed_api_key(preserved.configurations)]))
        rounds(on_demand, restores, count, progress)
    configuration: Mapping[str, Any] = preserved.configurations.get(output.name) or {}
    architecture = str((configuration.get("Architectures") or ["x86_64"])[0])
    measured = document(
        target,
        on_demand,
        restores,
        memory_mb=output.memory_size,
        architecture=architecture,
        tolerance=tolerance,
    )
    if key:
        measured["errors"] = [key[0].redact(error) for error in measured["errors"]]
    measured["errors"] += [f"configuration restore: {p}" for p in preserved.problems]
    return {
        "target": {"kind": target.kind, "source": target.source, "region": target.region},
        "runtime": output.runtime,
        "architecture": architecture,
        "sdks": {"head": target.sdk_description},
        "coldStarts": count,
        "startedAt": started,
        "finishedAt": _now(),
        "snapStart": measured,
    }


def failed(document: Mapping[str, Any]) -> list[str]:
    """Why a SnapStart comparison cannot be trusted: a failed sample, burst or restore, or no
    verdict."""
    measured = document["snapStart"]
    problems = list(measured["errors"])
    if measured["comparison"].get("verdict") is None:
        problems.append(f"no verdict: {measured['comparison'].get('reason')}")
    return problems
