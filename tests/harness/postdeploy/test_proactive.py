"""Proactive initialization: Lambda may initialize an environment before any invocation needs
it, so a forced cold start can arrive without an Init Duration and a warm series can land on a
new environment. The suite re-forces such a cold start (bounded, counted, reported) and allows
a bounded number of environment switches in a warm series; the local runtime produces the case
on request (`proactive_init`), so the handling runs against real invocations here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.local.api import LambdaApi
from harness.local.registry import Registry
from harness.local.toolchain import Toolchain
from harness.postdeploy.checks import (
    MAX_WARM_SWITCHES,
    cold_problems,
    proactively_initialized,
    warm_samples,
    warm_series_problems,
)
from harness.postdeploy.events import SEED_EVENT, series_event
from harness.postdeploy.markdown import proactive_summary
from harness.postdeploy.measure import FunctionRun, RunRecord, SuiteOptions, _cold_sample
from harness.postdeploy.report import function_report
from infra.spec import BASELINE, REPO_ROOT
from tests.harness.local.fixtures import local_client, spec
from tests.harness.postdeploy.samples import invocation, target


def baseline_run() -> FunctionRun:
    return FunctionRun(target().functions[BASELINE])


def warm_series(switched: int, total: int = 20) -> list[Any]:
    """`total` warm invokes of baseline, `switched` of them on a new environment (alternately
    a proactively initialized one, no Init Duration, and an ordinary cold one)."""
    output = baseline_run().output
    found = []
    for i in range(1, total + 1):
        event = series_event(output, i)
        if i <= switched:
            init = None if i % 2 else 310.0
            found.append(invocation(output, event, init=init, body_changes={"coldStart": True}))
        else:
            found.append(invocation(output, event))
    return found


def test_which_invocations_were_initialized_ahead() -> None:
    output = baseline_run().output
    assert not proactively_initialized(invocation(output, SEED_EVENT))  # warm
    assert not proactively_initialized(invocation(output, SEED_EVENT, init=300.0))  # cold
    ahead = invocation(output, SEED_EVENT, body_changes={"coldStart": True})
    assert proactively_initialized(ahead)
    assert any("proactive initialization" in p for p in cold_problems(output, ahead))


def test_a_warm_series_may_switch_environments_a_bounded_number_of_times() -> None:
    output = baseline_run().output
    allowed = warm_series(MAX_WARM_SWITCHES)
    assert warm_series_problems(output, allowed) == []
    assert len(warm_samples(allowed)) == 20 - MAX_WARM_SWITCHES, "switched ones are not warm"
    (problem,) = warm_series_problems(output, warm_series(MAX_WARM_SWITCHES + 1))
    assert f"{MAX_WARM_SWITCHES + 1} of 20 warm invokes landed on a new environment" in problem
    broken = warm_series(1)
    broken[0] = invocation(output, broken[0].event, status_code=500, body_changes={
        "coldStart": True})  # fmt: skip
    assert any("statusCode 500" in p for p in warm_series_problems(output, broken))


@pytest.fixture
def ahead(tools: Toolchain, tmp_path: Path) -> Iterator[Any]:
    """The real baseline handler on the local runtime, every environment initialized ahead."""
    registry = Registry(
        [spec("baseline-ahead", "baseline.lambda_handler", code=REPO_ROOT / "lambda_functions")],
        runtime_root=tools.runtime_dir.parent,
        workdir=tmp_path / "run",
        layer_cache=tmp_path / "layers",
        update_delay_s=0.1,
        proactive_init=1.0,
    )
    with LambdaApi(registry) as api:
        yield local_client("lambda", api.url)
    registry.close()


@pytest.mark.slow
def test_a_cold_start_on_an_environment_initialized_ahead_is_forced_again_and_counted(
    ahead: Any,
) -> None:
    """Every environment is initialized ahead here: each sample is re-forced up to the bound,
    counted, and the last one still fails its check, saying why; the report counts it."""
    bound = 2
    run = baseline_run()
    run.output = replace(run.output, name="baseline-ahead")
    record = RunRecord(target(), SuiteOptions(cold_starts=1, max_reforces=bound))
    _cold_sample(ahead, run, 1, bound)
    (sample,) = run.cold
    assert run.reforced == bound
    assert proactively_initialized(sample), "the real handler's first invoke, no Init Duration"
    assert any(f"after {bound} re-forced" in p for p in cold_problems(run.output, sample, bound))
    report = function_report(run, record, (None, None))
    assert report["cold"]["reforced"] == bound
    summary = proactive_summary({BASELINE: report})
    assert summary.startswith(f"Proactive initialization: {bound} forced cold start(s)")
    assert f"{BASELINE} {bound}" in summary
