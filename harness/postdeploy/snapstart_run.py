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
