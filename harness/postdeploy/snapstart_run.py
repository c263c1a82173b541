"""The post-deploy suite's SnapStart phase: restored environments, their ids, hooks and restores.

With the stack's `snapStart` on, its outputs name each SDK function's alias (`snapStart.functions`)
and the hooked variant (`snapStart.hooked`). For each, `ENVIRONMENTS` invocations are sent at
once, so each lands in an environment of its own, restored from the published version's
snapshot; their answers, spans and REPORT lines are what tests/deployed/test_snapstart.py
checks: distinct ids (snapstart.py), `snap-start` environments, spans that arrive from the first
invocation after a restore, the hooks, `OptimizationStatus: On`, and Restore Duration beside
`$LATEST`'s Init Duration (AWS only: the local runtime does not emulate it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from harness.postdeploy import spans
from harness.postdeploy.checks import EXPECTED_SPANS
from harness.postdeploy.cost import (
    CACHE_INVOCATIONS_PER_HOUR,
    LAMBDA_PRICES,
    snapstart_cache_per_hour_usd,
    snapstart_cold_per_1000_usd,
    snapstart_restores_per_1000_usd,
)
from harness.postdeploy.invoke import Invocation, invoke
from harness.postdeploy.snapstart import EnvironmentIds
from infra.snapstart import HOOKED_VARIANT, SNAPSTART_INITIALIZATION_TYPE

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

ENVIRONMENTS: Final = 3
EVENT: Final = {"test_type": "snapstart"}
_RESTORE: Final = re.compile(r"(?<!Billed )Restore Duration: ([0-9.]+) ms")
_BILLED_RESTORE: Final = re.compile(r"Billed Restore Duration: ([0-9]+) ms")


@dataclass
class Variant:
    """One SnapStart function (or the hooked variant) and what its restored environments did."""

    key: str
    """`working_sdk_test`, ..., or `hooked`."""
    function: str
    """The SDK function whose spans it exports (the hooked variant's is BENCH_FUNCTION's)."""
    qualified_arn: str
    optimization_status: str | None = None
    architecture: str = "x86_64"
    """The published version's (GetFunctionConfiguration), for its price."""
    invocations: list[Invocation] = field(default_factory=list)
    ids: list[EnvironmentIds] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def bodies(self) -> list[dict[str, Any]]:
        return [i.body or {} for i in self.invocations]

    def restore_ms(self) -> list[tuple[float, int | None]]:
        """(Restore Duration, Billed Restore Duration) of each REPORT that has them."""
        found = [restore_durations(i.log) for i in self.invocations]
        return [(restore, billed) for restore, billed in found if restore is not None]

    def restored_billed_ms(self) -> list[int]:
        """Billed Duration of each invocation whose REPORT has a Restore Duration."""
        return [
            i.report.billed_duration_ms
            for i in self.invocations
            if i.report is not None and restore_durations(i.log)[0] is not None
        ]


def restore_durations(log: str) -> tuple[float | None, int | None]:
    """A REPORT's (Restore Duration, Billed Restore Duration): None for what it lacks (an
    on-demand or warm invocation, or the local runtime, which does not emulate them)."""
    restore, billed = _RESTORE.search(log), _BILLED_RESTORE.search(log)
    return (float(restore[1]) if restore else None, int(billed[1]) if billed else None)


def variants(outputs: Mapping[str, Any]) -> list[Variant]:
    """What the outputs' `snapStart` names (empty: SnapStart is off for this stack)."""
    snap = outputs.get("snapStart")
    if not isinstance(snap, dict):
        return []
    found = [
        Variant(key, key, str(entry["qualifiedArn"]))
        for key, entry in sorted((snap.get("functions") or {}).items())
    ]
    hooked = snap.get("hooked")
    if isinstance(hooked, dict):
        found.append(Variant(HOOKED_VARIANT, str(hooked["of"]), str(hooked["qualifiedArn"])))
    return found


def measure_variant(
    client: LambdaClient, variant: Variant, source: spans.SpanSource | None
) -> Variant:
    """Invoke ENVIRONMENTS times at once, then read the spans each session exported."""
    try:
        configuration = client.get_function_configuration(FunctionName=variant.qualified_arn)
        variant.optimization_status = configuration.get("SnapStart", {}).get("OptimizationStatus")
        variant.architecture = str((configuration.get("Architectures") or ["x86_64"])[0])
    except Exception as exc:  # noqa: BLE001 - recorded and reported by the tests
        variant.errors.append(f"GetFunctionConfiguration failed: {exc}")
    call: Callable[[int], Invocation] = lambda _: invoke(client, variant.qualified_arn, EVENT)  # noqa: E731
    with ThreadPoolExecutor(ENVIRONMENTS) as executor:
        variant.invocations = list(executor.map(call, range(ENVIRONMENTS)))
    if source is None:
        return variant
    sessions = {
        str(body["sessionId"]): set(EXPECTED_SPANS[variant.function])
        for body in variant.bodies()
        if body.get("sessionId")
    }
    found = spans.collect(source, sessions)
    for invocation, body in zip(variant.invocations, variant.bodies(), strict=True):
        session = str(body.get("sessionId") or "")
        records = found.get(session, [])
        variant.ids.append(
            EnvironmentIds(
                str(body.get("logStream") or invocation.request_id),
                tuple(r.trace_id for r in records if r.trace_id),
                tuple(r.span_id for r in records if r.span_id),
                (session,) if session else (),
            )
        )
    return variant


def environment_problems(variant: Variant) -> list[str]:
    """Each invocation ran in an environment of its own, restored (`snap-start`), and answered."""
    problems = list(variant.errors)
    bodies = variant.bodies()
    for invocation, body in zip(variant.invocations, bodies, strict=True):
        if invocation.function_error or invocation.status_code != 200:
            problems.append(
                f"{variant.key}: {invocation.request_id} failed: {invocation.payload_text[:300]}"
            )
        elif body.get("initializationType") != SNAPSTART_INITIALIZATION_TYPE:
            kind = body.get("initializationType")
            problems.append(
                f"{variant.key}: {invocation.request_id} ran in a {kind!r} environment, not "
                f"{SNAPSTART_INITIALIZATION_TYPE!r}"
            )
    # Each environment's first call says coldStart: true, so a call that does not landed in an
    # environment another call used first. (Not the log stream: AWS gives SnapStart functions
    # no AWS_LAMBDA_LOG_STREAM_NAME, so context.log_stream_name is None there.)
    shared = sum(1 for b in bodies if b and b.get("coldStart") is not True)
    if shared:
        problems.append(
            f"{variant.key}: {shared} of {len(bodies)} concurrent invocations were not the first "
            "call of their environment (coldStart not true); each must land in one of its own"
        )
    return problems


def restore_report_problems(variant: Variant) -> list[str]:
    """On AWS: a restored environment's first REPORT carries Restore Duration and Billed Restore
    Duration, and no Init Duration (init ran when the version was published)."""
    problems = []
    for invocation in variant.invocations:
        where = f"{variant.key}: {invocation.request_id}"
        if not (_RESTORE.search(invocation.log) and _BILLED_RESTORE.search(invocation.log)):
            problems.append(f"{where}: its REPORT has no Restore Duration and Billed Restore "
                            f"Duration: {invocation.log.strip().splitlines()[-1:]}")  # fmt: skip
        if "Init Duration:" in invocation.log:
            problems.append(f"{where}: its REPORT has an Init Duration (an on-demand init)")
    return problems


# --- the report's SnapStart section -----------------------------------------------------------


def snapstart_costs(
    memory_mb: int,
    architecture: str,
    billed_ms: Sequence[float] = (),
    billed_restore_ms: Sequence[float] = (),
) -> dict[str, float | None]:
    """What SnapStart adds to a version of `memory_mb` (per 1,000 restores, per hour cached), and
    what 1,000 first invocations of restored environments like these cost, restore and cache
    included (cost.py; None without Billed Restore Duration: AWS only)."""
    cold = snapstart_cold_per_1000_usd(billed_ms, billed_restore_ms, memory_mb, architecture)
    return {
        "restoresPer1kUsd": round(snapstart_restores_per_1000_usd(memory_mb), 6),
        "cachePerHourUsd": round(snapstart_cache_per_hour_usd(memory_mb), 6),
        "coldPer1kUsd": None if cold is None else round(cold, 6),
    }


def summary(found: Mapping[str, Variant], memory_mb: Mapping[str, int]) -> dict[str, Any]:
    """The report's `snapStart`: per variant its environments' ids, hooks, restores and costs."""
    from harness.postdeploy.snapstart import uniqueness_problem  # noqa: PLC0415

    report: dict[str, Any] = {}
    for key, variant in found.items():
        restores = variant.restore_ms()
        report[key] = {
            "qualifiedArn": variant.qualified_arn,
            "optimizationStatus": variant.optimization_status,
            "environments": [
                {
                    "environment": ids.environment,
                    "initializationType": body.get("initializationType"),
                    "traceIds": sorted(set(ids.trace_ids)),
                    "spanIds": list(ids.span_ids),
                    "sessionIds": list(ids.session_ids),
                    "hooks": body.get("snapStartHooks"),
                }
                for ids, body in zip(variant.ids, variant.bodies(), strict=False)
            ],
            "restoreMs": [r for r, _ in restores],
            "billedRestoreMs": [b for _, b in restores if b is not None],
            "uniqueness": uniqueness_problem(key, variant.ids),
            "costs": snapstart_costs(
                memory_mb.get(variant.function, 0),
                variant.architecture,
                variant.restored_billed_ms(),
                [b for _, b in restores if b is not None],
            ),
        }
    return report


def render(
    report: Mapping[str, Any],
    init_p50_ms: Mapping[str, float | None],
    on_demand_cold_per_1k: Mapping[str, float | None],
) -> list[str]:
    """The markdown section; `init_p50_ms` and `on_demand_cold_per_1k`: `$LATEST`'s on-demand
    Init Duration p50 and cold cost per 1,000 (init billed), same run."""
    if not report:
        return []
    lines = ["", "## SnapStart (restored environments)", ""]
    header = (
        "variant", "optimization", "environments", "ids shared", "restore ms",
        "on-demand init p50 ms", "restores / 1k", "cache / hour",
        "cold / 1k (restore, cache incl.)", "on-demand cold / 1k",
    )  # fmt: skip
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, entry in report.items():
        restore = entry["restoreMs"]
        shown_restore = f"{max(restore):.1f} max" if restore else "not emulated"
        init = init_p50_ms.get(key)
        costs = entry["costs"]
        cold = costs.get("coldPer1kUsd")
        lines.append(
            f"| {key} | {entry['optimizationStatus']} | {len(entry['environments'])} | "
            f"{'yes' if entry['uniqueness'] else 'no'} | {shown_restore} | "
            f"{f'{init:.1f}' if init is not None else '-'} | ${costs['restoresPer1kUsd']:.6f} | "
            f"${costs['cachePerHourUsd']:.6f} | "
            f"{'not emulated' if cold is None else f'${cold:.6f}'} | "
            f"{_usd(on_demand_cold_per_1k.get(key))} |"
        )
    lines += ["", "Ids per environment (trace ids; the first span id):", ""]
    for key, entry in report.items():
        for env in entry["environments"]:
            first_span = env["spanIds"][0] if env["spanIds"] else "-"
            lines.append(
                f"- {key} `{env['environment']}`: {', '.join(env['traceIds']) or '-'}; "
                f"{first_span}; hooks {env['hooks'] or 'none'}"
            )
    return [*lines, "", *pricing_note()]


def pricing_note() -> list[str]:
    """What the SnapStart cost columns assume (cost.py)."""
    prices = LAMBDA_PRICES
    return [
        "Restore Duration and Billed Restore Duration come from AWS's REPORT lines only (the local "
        "runtime does not emulate them). SnapStart adds a charge per restore (memory GB x "
        f"${prices.snapstart_restore_usd_per_gb:.10f}) and for caching the snapshot (memory GB x "
        f"${prices.snapstart_cache_usd_per_gb_second:.10f} per second while the version exists), "
        f"{prices.basis}. Cold / 1k: 1,000 first invocations of restored environments, each "
        "(Billed Duration + Billed Restore Duration) x memory x GB-second price + request + "
        f"restore, plus the cache spread over {CACHE_INVOCATIONS_PER_HOUR:,} invocations an hour "
        f"(1,000 invocations carry {1000 / CACHE_INVOCATIONS_PER_HOUR:g} hour(s) of cache: an "
        "assumed traffic, not a measurement); "
        "on-demand cold / 1k is `$LATEST`'s forced cold starts, init billed.",
    ]


def _usd(value: float | None) -> str:
    return "-" if value is None else f"${value:.6f}"
