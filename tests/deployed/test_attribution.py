"""Where the time goes: every SDK function's profiled cold start (its import time, read back
from its log) and profiled warm invocation are in the run, for the report."""

from __future__ import annotations

import pytest

from harness.postdeploy.checks import attribution_problems
from harness.postdeploy.measure import ATTRIBUTION_PHASES, RunRecord
from infra.spec import SDK_FUNCTIONS
from tests.deployed.support import phase_problems, require


@pytest.mark.parametrize("key", SDK_FUNCTIONS)
def test_each_sdk_function_has_its_init_and_warm_attribution(run: RunRecord, key: str) -> None:
    function = run.functions[key]
    problems = phase_problems(function, *ATTRIBUTION_PHASES)
    if not problems:
        problems = attribution_problems(
            key, function.import_profile, function.warm_profile, function.warm_profile_error
        )
    require(run, problems)
