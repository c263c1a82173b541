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
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from harness.postdeploy import spans
from harness.postdeploy.checks import EXPECTED_SPANS
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
    invocations: list[Invocation] = field(default_factory=list)
    ids: list[EnvironmentIds] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def bodies(self) -> list[dict[str, Any]]:
        return [i.body or {} for i in self.invocations]

    def restore_ms(self) -> list[tuple[float, int | None]]:
        """(Restore Duration, Billed Restore Duration) of each REPORT that has them."""
        found = []
        for invocation in self.invocations:
            restore = _RESTORE.search(invocation.log)
            billed = _BILLED_RESTORE.search(invocation.log)
            if restore:
                found.append((float(restore[1]), int(billed[1]) if billed else None))
        return found


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
    streams = {b.get("logStream") for b in bodies}
    if len(streams) != len(bodies):
        problems.append(
            f"{variant.key}: {len(bodies)} concurrent invocations ran in {len(streams)} "
            "environment(s); each must land in one of its own"
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

# us-east-1 list prices for SnapStart on Python (https://aws.amazon.com/lambda/pricing/, "Lambda
# SnapStart pricing"; AWS's page renders its rates client-side, these are as transcribed in
# 2026): the snapshot's cache per GB-second of the function's memory while the version exists,
# and each restore per GB of memory.
SNAPSTART_CACHE_USD_PER_GB_SECOND: Final = 0.0000015046
SNAPSTART_RESTORE_USD_PER_GB: Final = 0.0001397998


def snapstart_costs(memory_mb: int) -> dict[str, float]:
    """What SnapStart adds to a version of `memory_mb`: per 1,000 restores, and per hour cached."""
    gb = memory_mb / 1024
    return {
        "restoresPer1kUsd": round(1000 * gb * SNAPSTART_RESTORE_USD_PER_GB, 6),
        "cachePerHourUsd": round(3600 * gb * SNAPSTART_CACHE_USD_PER_GB_SECOND, 6),
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
            "costs": snapstart_costs(memory_mb.get(variant.function, 0)),
        }
    return report


def render(report: Mapping[str, Any], init_p50_ms: Mapping[str, float | None]) -> list[str]:
    """The markdown section; `init_p50_ms`: `$LATEST`'s on-demand Init Duration, same run."""
    if not report:
        return []
    lines = ["", "## SnapStart (restored environments)", ""]
    header = (
        "variant", "optimization", "environments", "ids shared", "restore ms",
        "on-demand init p50 ms", "restores / 1k", "cache / hour",
    )  # fmt: skip
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, entry in report.items():
        restore = entry["restoreMs"]
        shown_restore = f"{max(restore):.1f} max" if restore else "not emulated"
        init = init_p50_ms.get(key)
        costs = entry["costs"]
        lines.append(
            f"| {key} | {entry['optimizationStatus']} | {len(entry['environments'])} | "
            f"{'yes' if entry['uniqueness'] else 'no'} | {shown_restore} | "
            f"{f'{init:.1f}' if init is not None else '-'} | ${costs['restoresPer1kUsd']:.6f} | "
            f"${costs['cachePerHourUsd']:.6f} |"
        )
    lines += ["", "Ids per environment (trace ids; the first span id):", ""]
    for key, entry in report.items():
        for env in entry["environments"]:
            first_span = env["spanIds"][0] if env["spanIds"] else "-"
            lines.append(
                f"- {key} `{env['environment']}`: {', '.join(env['traceIds']) or '-'}; "
                f"{first_span}; hooks {env['hooks'] or 'none'}"
            )
    lines += [
        "",
        "Restore Duration and Billed Restore Duration come from AWS's REPORT lines only (the local "
        "runtime does not emulate them). SnapStart adds a charge per restore (memory GB x "
        f"${SNAPSTART_RESTORE_USD_PER_GB}) and for caching the snapshot (memory GB x "
        f"${SNAPSTART_CACHE_USD_PER_GB_SECOND} per second while the version exists), us-east-1.",
    ]
    return lines
