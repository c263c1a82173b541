"""SnapStart (a stack with `snapStart` on): the published versions are optimised, every restored
environment is a `snap-start` one of its own, draws its own trace, span and session ids, exports
the spans of its first invocation, and the hooked variant's hooks ran before that invocation.

On a stack without `snapStart` these tests skip, saying how to turn it on."""

from __future__ import annotations

import os

import pytest

from harness.postdeploy import spans
from harness.postdeploy.client import lambda_client
from harness.postdeploy.measure import RunRecord
from harness.postdeploy.snapstart import uniqueness_problem
from harness.postdeploy.snapstart_run import (
    Variant,
    environment_problems,
    measure_variant,
    restore_report_problems,
    summary,
    variants,
)
from infra.snapstart import AFTER_RESTORE_LIMIT_S, HOOKED_VARIANT
from tests.deployed.support import require

OFF = (
    "snapStart is off for this stack: `make local SNAPSTART=true`, or "
    "`pulumi config set snapStart true` and `make up` for AWS"
)


@pytest.fixture(scope="session")
def snapstart(run: RunRecord) -> dict[str, Variant]:
    found = variants(run.target.outputs)
    if not found:
        pytest.skip(OFF)
    source, _why = spans.span_source(run.target.ingest_url, os.environ, None)
    client = lambda_client(run.target)
    measured = {v.key: measure_variant(client, v, source) for v in found}
    memory = {key: f.memory_size for key, f in run.target.functions.items()}
    run.snapstart = summary(measured, memory)  # the report's SnapStart section
    return measured


def test_published_versions_are_optimized(run: RunRecord, snapstart: dict[str, Variant]) -> None:
    require(
        run,
        [
            f"{v.key}: {v.qualified_arn} reports OptimizationStatus {v.optimization_status!r}, "
            "not 'On'"
            for v in snapstart.values()
            if v.optimization_status != "On"
        ],
    )


def test_each_invocation_runs_in_a_restored_environment_of_its_own(
    run: RunRecord, snapstart: dict[str, Variant]
) -> None:
    require(run, [p for v in snapstart.values() for p in environment_problems(v)])


def test_the_first_invocation_after_a_restore_flushes_and_its_spans_arrive(
    run: RunRecord, snapstart: dict[str, Variant]
) -> None:
    if run.spans_skipped:
        pytest.skip(run.spans_skipped)
    problems = []
    for variant in snapstart.values():
        for body, ids in zip(variant.bodies(), variant.ids, strict=True):
            where = f"{variant.key}: {ids.environment}"
            if body.get("flushSuccess") is not True:
                problems.append(f"{where}: flushSuccess {body.get('flushSuccess')!r}")
            if not ids.span_ids:
                problems.append(f"{where}: no span of session {ids.session_ids} arrived")
    require(run, problems)


def test_restored_environments_draw_their_own_ids(
    run: RunRecord, snapstart: dict[str, Variant]
) -> None:
    if run.spans_skipped:
        pytest.skip(run.spans_skipped)
    require(
        run,
        [
            problem
            for v in snapstart.values()
            if (problem := uniqueness_problem(f"{v.key} ({v.qualified_arn})", v.ids))
        ],
    )


def test_restores_are_reported_by_lambda(run: RunRecord, snapstart: dict[str, Variant]) -> None:
    if run.target.kind != "aws":
        pytest.skip("Restore Duration is not emulated by the local runtime: AWS reports it")
    require(run, [p for v in snapstart.values() for p in restore_report_problems(v)])


def test_the_hooks_ran_before_the_first_call_and_within_lambdas_limit(
    run: RunRecord, snapstart: dict[str, Variant]
) -> None:
    hooked = snapstart.get(HOOKED_VARIANT)
    if hooked is None:
        pytest.fail("the outputs' snapStart names no hooked variant: deploy the current program")
    problems = []
    for body in hooked.bodies():
        hooks = body.get("snapStartHooks") or {}
        if not (hooks.get("beforeSnapshot") and hooks.get("afterRestore")):
            problems.append(f"hooked: request {body.get('requestId')}: hooks that ran: {hooks}")
        elif not hooks.get("beforeFirstCall"):
            problems.append(f"hooked: request {body.get('requestId')}: after-restore ran late")
        elif float(hooks.get("afterRestoreMs") or 0) > AFTER_RESTORE_LIMIT_S * 1000:
            problems.append(
                f"hooked: after-restore took {hooks['afterRestoreMs']} ms, over Lambda's "
                f"{AFTER_RESTORE_LIMIT_S:.0f} s"
            )
    require(run, problems)
