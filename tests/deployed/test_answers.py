"""Every function answers the seed's payloads with the contract, and refuses bad events with a
400 without losing its warm environment."""

from __future__ import annotations

import pytest

from harness.postdeploy import events
from harness.postdeploy.checks import bad_event_problems, contract_problems, warm_problems
from harness.postdeploy.measure import RunRecord
from harness.postdeploy.target import FUNCTION_KEYS
from tests.deployed.support import phase_problems, require


def test_outputs_name_each_function_by_its_arn(run: RunRecord) -> None:
    problems = []
    for key, function in run.target.functions.items():
        if not function.arn.endswith(f":function:{function.name}"):
            problems.append(f"{key}: arn {function.arn} does not name function {function.name}")
        if f":lambda:{run.target.region}:" not in function.arn:
            problems.append(f"{key}: arn {function.arn} is not in region {run.target.region}")
    require(run, problems)


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_seed_payloads_get_the_contract(run: RunRecord, key: str) -> None:
    function = run.functions[key]
    problems = phase_problems(function, "seed")
    expected = events.seed_events(function.output)
    if len(function.seed) != len(expected) and not problems:
        problems.append(f"{key}: {len(function.seed)} answers to {len(expected)} seed payloads")
    for invocation in function.seed:
        problems += contract_problems(function.output, invocation)
    require(run, problems)


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_bad_events_get_400_and_the_environment_stays_warm(run: RunRecord, key: str) -> None:
    function = run.functions[key]
    problems = phase_problems(function, "bad")
    for label, invocation in function.bad.items():
        problems += [f"{p} [{label}]" for p in bad_event_problems(function.output, invocation)]
    if function.after_bad is None:
        problems.append(f"{key}: no invoke after the bad events")
    else:
        problems += warm_problems(function.output, function.after_bad)
    require(run, problems)
