"""The sequential rounds: more cold starts while the interval crosses the tolerance, never more
than the plan allows, and no extra rounds once the verdict is conclusive or samples fail.

The cold starts are drawn from known distributions (this machine's cold init varies by about 13%
between identical runs); the series, the comparison and the loop are the real ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from harness.bench import compare, run, series
from harness.secret import REDACTED
from tests.harness.postdeploy.samples import REGION, base_output, target

NOISE = 0.13
"""The spread of identical cold starts measured here (`python -c 'import honeyhive'`, 16 runs)."""


def subjects() -> list[series.Series]:
    return [
        series.Series(
            series.Subject(label, "f", f"fn-{label}", "/aws/lambda/x", cast(Any, None), None)
        )
        for label in ("head", "base", "baseline")
    ]


def drawing(
    medians: dict[str, float], seed: int, fail: bool = False
) -> Callable[[series.Series], None]:
    rng = np.random.default_rng(seed)

    def sample(one: series.Series) -> None:
        if fail:
            one.errors.append(f"{one.subject.label}: answered 500")
            return
        one.init_ms.append(float(medians[one.subject.label] * rng.lognormal(0.0, NOISE)))

    return sample


def rounds(
    monkeypatch: pytest.MonkeyPatch,
    medians: dict[str, float],
    seed: int,
    *,
    fail: bool = False,
    first: int = 10,
    most: int = 40,
) -> tuple[int, list[series.Series], list[str]]:
    monkeypatch.setattr(series, "sample", drawing(medians, seed, fail))
    measured, said = subjects(), list[str]()
    done = run._rounds(measured, run.Plan(first, most, 1, 0.10), said.append)
    return done, measured, said


def verdict_of(measured: list[series.Series]) -> compare.Comparison:
    by_label = {one.subject.label: one for one in measured}
    return compare.compare(by_label["base"].init_ms, by_label["head"].init_ms)


def test_a_20_percent_regression_in_this_noise_is_found_with_more_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = []
    for seed in range(6):
        done, measured, _ = rounds(monkeypatch, {"head": 1760, "base": 1460, "baseline": 135}, seed)
        assert done <= 40 and all(len(one.init_ms) == done for one in measured)
        found.append((done, verdict_of(measured).verdict))
    assert sum(verdict == "regression" for _, verdict in found) >= 5, found
    assert any(done > 10 for done, _ in found), f"ten rounds always sufficed: {found}"


def test_a_clear_regression_stops_after_the_first_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    done, measured, said = rounds(monkeypatch, {"head": 2900, "base": 1460, "baseline": 135}, 1)
    assert done == 10
    assert verdict_of(measured).verdict == "regression"
    assert not [line for line in said if "more rounds" in line]


def test_the_same_sdk_never_becomes_a_regression(monkeypatch: pytest.MonkeyPatch) -> None:
    for seed in range(6):
        done, measured, said = rounds(
            monkeypatch, {"head": 1460, "base": 1460, "baseline": 135}, 100 + seed
        )
        result = verdict_of(measured)
        assert result.verdict == "no change", (seed, result)
        assert done == 40 or result.conclusive
        extensions = [line for line in said if "more rounds" in line]
        assert len(extensions) == (done - 10) // run.EXTRA_ROUNDS
        assert all("crosses 1 ± 0.1: " in line for line in extensions)


def test_the_budget_is_respected_and_an_uneven_one_ends_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done, measured, said = rounds(
        monkeypatch, {"head": 1500, "base": 1460, "baseline": 135}, 7, first=5, most=12
    )
    assert done in (5, 10, 12) and [len(one.init_ms) for one in measured] == [done] * 3
    assert said[-1].startswith(f"round {done}/{done}: ")


def test_failing_samples_end_the_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    done, measured, _ = rounds(monkeypatch, {}, 1, fail=True)
    assert done == 10
    assert [len(one.errors) for one in measured] == [10, 10, 10]


def test_head_and_base_take_turns_going_first(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    monkeypatch.setattr(series, "sample", lambda one: order.append(one.subject.label))
    series.rounds(subjects(), 1, 4, lambda _: None)
    assert order == ["head", "base", "baseline", "base", "head", "baseline"] * 2


def test_a_failing_call_is_an_error_of_its_side_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AccessDenied on the configuration change, or logs that never arrive: recorded, not raised,
    so the samples already taken are reported."""
    denied = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
        "UpdateFunctionConfiguration",
    )

    def force_measured_cold_start(*_: object, **__: object) -> None:
        raise denied

    monkeypatch.setattr(series, "force_measured_cold_start", force_measured_cold_start)
    measured = subjects()
    series.rounds(measured, 1, 2, lambda _: None)
    series.profile(measured[0], cast(Any, None))
    assert measured[0].errors == [
        "head: a forced cold start failed: ClientError: An error occurred "
        "(AccessDeniedException) when calling the UpdateFunctionConfiguration operation: not "
        "authorized"
    ] * 2 + [
        "head: a profiled cold start failed: ClientError: An error occurred "
        "(AccessDeniedException) when calling the UpdateFunctionConfiguration operation: not "
        "authorized"
    ]
    assert [len(one.init_ms) for one in measured] == [0, 0, 0]


API_KEY = "hh-bench-key-0123456789"


def test_failures_are_reported_without_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed call may quote a function's configuration: the deployed key is redacted from
    every error in bench.json, on moto's Lambda (configurations read and restored for real)."""
    stack_target = target(base=base_output())
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        client = boto3.client("lambda", region_name=REGION)
        for output in (*stack_target.functions.values(), stack_target.base):
            assert output is not None
            client.create_function(
                FunctionName=output.name, Runtime="python3.13", Role=role, Handler="h.handler",
                Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
                Environment={"Variables": {"HH_API_KEY": API_KEY}},
            )  # fmt: skip

        def leaky(one: series.Series) -> None:
            one.errors.append(f"{one.subject.label}: Environment {{HH_API_KEY: {API_KEY}}}")

        monkeypatch.setattr(series, "sample", leaky)
        monkeypatch.setattr(series, "profile", lambda one, logs: leaky(one))
        document = run.measure(stack_target, run.Plan(5, 5, 1, 0.10), lambda _: None)
    errors = [e for one in document["series"].values() for e in one["errors"]]
    assert len(errors) == 5 * 3 + 2
    assert API_KEY not in json.dumps(document)
    assert all(f"HH_API_KEY: {REDACTED}" in error for error in errors)
