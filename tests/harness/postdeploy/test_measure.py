"""The attribution phase of `measure`: a profiled cold start and the warm invoke after it, each
one's result recorded apart, so that one failing loses nothing the other found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.local.api import LambdaApi
from harness.local.registry import Registry
from harness.local.toolchain import Toolchain
from harness.postdeploy.events import SEED_EVENT
from harness.postdeploy.measure import FunctionRun, RunRecord, SuiteOptions, _attribution
from harness.postdeploy.measure import _warm_profile as warm_profile
from infra.naming import log_group_name
from tests.harness.local.fixtures import local_client, spec
from tests.harness.postdeploy.samples import invocation, target

PROFILE = {"totalMs": 60.0, "sdkFunctions": [], "ownTime": []}


def working() -> FunctionRun:
    return FunctionRun(target().functions["working_sdk_test"])


def test_the_warm_answers_profile_is_kept() -> None:
    run = working()
    warm_profile(run, invocation(run.output, SEED_EVENT, body_changes={"profile": PROFILE}))
    assert (run.warm_profile, run.warm_profile_error) == (PROFILE, None)


def test_a_profile_error_is_kept_for_the_checks_not_raised() -> None:
    """The handler answered 200 but could not summarise its profile: the invocation is fine,
    the attribution is what is missing (checks.attribution_problems says so)."""
    run = working()
    answer = invocation(run.output, SEED_EVENT, body_changes={"profileError": "ValueError: x"})
    warm_profile(run, answer)
    assert (run.warm_profile, run.warm_profile_error) == (None, "ValueError: x")


def test_a_warm_answer_without_either_fails_the_phase() -> None:
    run = working()
    with pytest.raises(RuntimeError, match="answered 500 without a `profile`"):
        warm_profile(run, invocation(run.output, SEED_EVENT, status_code=500))


@pytest.fixture
def local(tools: Toolchain, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """Lambda and CloudWatch Logs clients of the local runtime serving `echo-fn`."""
    registry = Registry(
        [spec("echo-fn", "echo")],
        runtime_root=tools.runtime_dir.parent,
        workdir=tmp_path / "run",
        layer_cache=tmp_path / "layers",
        update_delay_s=0.2,
    )
    with LambdaApi(registry) as api:
        yield local_client("lambda", api.url), local_client("logs", api.url)
    registry.close()


@pytest.mark.slow
def test_the_import_profile_survives_a_warm_answer_without_a_profile(
    local: tuple[Any, Any],
) -> None:
    """echo's warm answer has no `profile`; its profiled cold start's import lines (the
    runtime's own imports) are still read back, parsed and kept."""
    lambda_, logs = local
    subject = target()
    output = replace(subject.functions["working_sdk_test"], name="echo-fn",
                     log_group=log_group_name("echo-fn"))  # fmt: skip
    run, record = FunctionRun(output), RunRecord(subject, SuiteOptions())
    _attribution(lambda_, logs, run, record, lambda message: None)
    assert list(run.errors) == ["warm profile"], run.errors
    assert "without a `profile`" in run.errors["warm profile"]
    assert run.import_profile is not None and "json" in run.import_profile.modules
    assert [i.cold for i in run.profiled] == [True, False]
