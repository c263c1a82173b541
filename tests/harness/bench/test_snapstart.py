"""`bench --snapstart`: one SDK's `$LATEST` on demand against its SnapStart alias.

The alias is a stand-in with Lambda's routing (an idle environment is reused, a new one is
restored only when every known one is busy), so the bursts' logic is what is tested; `$LATEST`'s
configuration is read and restored on moto's Lambda, as the deployed bench's is. The numbers the
report shows are checked against what the same inputs give through compare.py and cost.py."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from harness.bench import compare, series, snapstart
from harness.bench.cli import main
from harness.bench.output import render
from harness.lambda_report import Report, billed_duration_ms
from harness.postdeploy.cost import cost_per_1000_usd
from harness.postdeploy.invoke import Invocation, invocation_from
from harness.postdeploy.snapstart_run import snapstart_costs
from harness.secret import REDACTED
from infra.spec import BENCH_FUNCTION
from tests.harness.postdeploy.samples import REGION, SDK, outputs, target

ALIAS = (
    f"arn:aws:lambda:{REGION}:123456789012:function:honeyhive-t-working-sdk-test:"
    "honeyhive-snapstart"
)
SNAP_OUTPUT = {"functions": {BENCH_FUNCTION: {"qualifiedArn": ALIAS}}, "hooked": None}
API_KEY = "hh-bench-key-0123456789"


def answer(
    request_id: str,
    *,
    cold: bool,
    stream: str,
    roundtrip: float,
    duration: float,
    init: float | None = None,
    restore: tuple[float, int] | None = None,
    kind: str = "snap-start",
    version: str = str(SDK["version"]),
) -> Invocation:
    report = Report(request_id, duration, billed_duration_ms(duration, init), 512, 90, init)
    line = report.text()
    if restore is not None:
        line += f"\tRestore Duration: {restore[0]:.2f} ms\tBilled Restore Duration: {restore[1]} ms"
    body = {
        "status": "SUCCESS", "coldStart": cold, "sdkVersion": version, "logStream": stream,
        "initializationType": kind,
    }  # fmt: skip
    return invocation_from(
        name="fn", event={}, request_id=request_id, function_error=None,
        payload_text=json.dumps({"statusCode": 200, "body": json.dumps(body)}),
        log=f"START RequestId: {request_id}\n{line}\n", roundtrip_ms=roundtrip,
    )  # fmt: skip


class Alias:
    """Lambda's routing for one published version: an idle environment first, else a restore.
    `overlapping`: a burst's invocations are all in flight at once (each holds its environment
    until the whole burst has one), as on Lambda when a first call outlasts the others' arrival;
    without it each returns before the next arrives."""

    def __init__(self, rng: np.random.Generator, *, overlapping: bool = True) -> None:
        self.rng, self.overlapping = rng, overlapping
        self.lock = threading.Lock()
        self.idle: list[str] = []
        self.made = 0
        self.barrier: threading.Barrier | None = None
        self.restores: list[tuple[float, int, float]] = []
        """(Restore Duration, Billed Restore Duration, round trip) of each restore."""
        self.on_demand_inits: list[float] = []
        self.reports_restores = True

    def invoke(self, _client: object, name: str, _event: object) -> Invocation:
        assert name == ALIAS
        with self.lock:
            fresh = not self.idle
            if fresh:
                self.made += 1
                stream = f"2026/12/07/[1]{self.made:032x}"
                restore = (float(self.rng.uniform(250, 450)), int(self.rng.uniform(100, 200)))
                roundtrip = float(self.rng.lognormal(np.log(600), 0.1))
                self.restores.append((*restore, roundtrip))
            else:
                stream = self.idle.pop()
        if self.barrier is not None:
            self.barrier.wait(timeout=10)
        with self.lock:
            self.idle.append(stream)
        if fresh:
            shown = restore if self.reports_restores else None
            return answer(str(uuid.uuid4()), cold=True, stream=stream, roundtrip=roundtrip,
                          duration=40.0, restore=shown)  # fmt: skip
        return answer(str(uuid.uuid4()), cold=False, stream=stream, roundtrip=30.0, duration=8.0)


def on_demand_starts(rng: np.random.Generator, inits: list[float]) -> Any:
    def force(_client: object, name: str, _event: object, **_: object) -> tuple[Invocation, int]:
        assert name == "honeyhive-t-working-sdk-test"
        init = float(rng.lognormal(np.log(1400), 0.1))
        inits.append(init)
        stream = f"2026/12/07/[$LATEST]{uuid.uuid4().hex}"
        return answer(str(uuid.uuid4()), cold=True, stream=stream, roundtrip=init + 80,
                      duration=60.0, init=init, kind="on-demand"), 0  # fmt: skip

    return force


@pytest.fixture
def alias(monkeypatch: pytest.MonkeyPatch) -> Alias:
    rng = np.random.default_rng(20261207)
    stand_in = Alias(rng)
    original = snapstart.burst

    def burst(restores: snapstart.Restores) -> int:
        if stand_in.overlapping:
            stand_in.barrier = threading.Barrier(restores.known + 1)
        return original(restores)

    monkeypatch.setattr(snapstart, "invoke", stand_in.invoke)
    monkeypatch.setattr(snapstart, "burst", burst)
    monkeypatch.setattr(
        series, "force_measured_cold_start", on_demand_starts(rng, stand_in.on_demand_inits)
    )
    return stand_in


def measured(rounds: int = 6) -> dict[str, Any]:
    """`snapstart.measure` against the stand-in alias, `$LATEST` on moto's Lambda."""
    stack_target = target(snapStart=SNAP_OUTPUT)
    output = stack_target.functions[BENCH_FUNCTION]
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        boto3.client("lambda", region_name=REGION).create_function(
            FunctionName=output.name, Runtime="python3.13", Role=role, Handler="h.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18}, Architectures=["arm64"],
            Environment={"Variables": {"HH_API_KEY": API_KEY}},
        )  # fmt: skip
        return snapstart.measure(stack_target, rounds, 0.10, lambda _: None)


def test_each_round_restores_one_new_environment_and_compares_it_with_an_on_demand_start(
    alias: Alias,
) -> None:
    document = measured()
    snap = document["snapStart"]
    assert snapstart.failed(document) == [], snap["errors"]
    # The first restore primes the alias (locally it makes the image) and is not sampled; then
    # round i bursts i + 1 invocations at once: i reuse the known environments, one restores.
    assert alias.made == 7 and snap["snapStart"]["environments"] == 7
    assert snap["snapStart"]["bursts"] == 7 and snap["snapStart"]["reused"] == sum(range(7))
    sampled = alias.restores[1:]
    restored = [r for _, _, r in sampled]
    assert snap["snapStart"]["firstCallMs"] == [round(r, 3) for r in restored]
    assert snap["snapStart"]["startMs"]["p50"] == pytest.approx(
        float(np.median([r for r, _, _ in sampled])), abs=0.01
    )
    on_demand = snap["onDemand"]["firstCallMs"]
    compared = snap["comparison"]
    expected = float(compare.typical(np.array(restored)) / compare.typical(np.array(on_demand)))
    assert compared["snapStartOverOnDemand"] == pytest.approx(expected, abs=1e-4)
    assert compared["verdict"] == "improvement" and compared["meaning"] == "SnapStart faster"
    billed_restores = [b for _, b, _ in sampled]
    assert snap["snapStart"]["costs"] == snapstart_costs(512, "arm64", [40] * 6, billed_restores)
    billed_on_demand = [billed_duration_ms(60.0, init) for init in alias.on_demand_inits]
    assert snap["onDemand"]["costPer1000Usd"] == pytest.approx(
        cost_per_1000_usd(billed_on_demand, 512, "arm64"), abs=1e-6
    )
    assert document["architecture"] == "arm64" and snap["restoreReported"] is True
    text = render(document)
    assert "Verdict: **SnapStart faster**: SnapStart / on demand " in text
    assert f"${snap['snapStart']['costs']['coldPer1kUsd']:.6f}" in text
    assert "not emulated" not in text


def test_bursts_that_land_on_known_environments_fail_naming_the_fix(alias: Alias) -> None:
    """Each invocation returns before the next arrives: every burst reuses one environment."""
    alias.overlapping = False
    document = measured(rounds=3)
    problems = snapstart.failed(document)
    assert alias.made == 1
    assert any(
        f"{snapstart.MAX_EMPTY_BURSTS} bursts in a row restored no new environment" in p
        and "raise the alias's concurrency" in p
        for p in problems
    ), problems
    snap = document["snapStart"]["snapStart"]
    assert snap["bursts"] == 1 + snapstart.MAX_EMPTY_BURSTS
    # sizes after the priming burst: 2, then twice as large after each empty one
    assert snap["reused"] == sum(2 * 2**i for i in range(snapstart.MAX_EMPTY_BURSTS))


def test_environments_left_by_an_earlier_run_are_outgrown_by_doubling_the_burst(
    alias: Alias,
) -> None:
    """Three idle environments before the bench: bursts of 1 and 2 reuse them, 4 restores one."""
    alias.idle = [f"earlier-{i}" for i in range(3)]
    document = measured(rounds=5)
    assert snapstart.failed(document) == []
    snap = document["snapStart"]["snapStart"]
    assert alias.made == 6 and snap["environments"] == 6
    # priming: 1 and 2 reused, then 3 of 4; round i: 4 + i - 1 reused of 4 + i
    assert snap["bursts"] == 3 + 5 and snap["reused"] == sum(range(1, 9))
    assert len(snap["firstCallMs"]) == 5


def test_on_aws_a_first_call_without_restore_duration_is_an_error(alias: Alias) -> None:
    alias.reports_restores = False
    problems = snapstart.failed(measured(rounds=2))
    assert any(
        "the first call of a restored environment has no Restore Duration and Billed Restore "
        "Duration in its REPORT" in p
        for p in problems
    ), problems


def test_an_alias_that_does_not_restore_or_runs_another_sdk_is_an_error(
    alias: Alias, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong(_client: object, _name: str, _event: object) -> Invocation:
        return answer(str(uuid.uuid4()), cold=True, stream=str(uuid.uuid4()), roundtrip=900,
                      duration=9, init=800, kind="on-demand", version="1.6.1")  # fmt: skip

    monkeypatch.setattr(snapstart, "invoke", wrong)
    problems = snapstart.failed(measured(rounds=2))
    assert any("reports sdkVersion '1.6.1', not '1.7.0'" in p for p in problems), problems
    assert problems[-1].startswith("no verdict: on demand has 0 first calls"), "stops at priming"


def test_a_throttled_burst_says_how_much_concurrency_it_needs(
    alias: Alias, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttled = ClientError(
        {"Error": {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}}, "Invoke"
    )

    def refuse(_client: object, _name: str, _event: object) -> Invocation:
        raise throttled

    monkeypatch.setattr(snapstart, "invoke", refuse)
    problems = snapstart.failed(measured(rounds=2))
    assert any(
        "a burst of 1 concurrent invocations: the account's unreserved concurrency" in p
        for p in problems
    ), problems


def test_errors_carry_no_api_key(alias: Alias, monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(one: series.Series) -> None:
        one.errors.append(f"on-demand: Environment {{HH_API_KEY: {API_KEY}}}")

    monkeypatch.setattr(series, "sample", leaky)
    document = measured(rounds=2)
    assert API_KEY not in json.dumps(document)
    assert f"HH_API_KEY: {REDACTED}" in snapstart.failed(document)[0]


def test_locally_restores_are_labelled_not_emulated(alias: Alias) -> None:
    document = measured(rounds=5)
    document["snapStart"]["restoreReported"] = False
    text = render(document)
    assert snapstart.LOCAL_NOTE in text
    assert "| SnapStart | 5 |" in text and "not emulated" in text


def test_a_stack_without_snapstart_says_how_to_turn_it_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs()))
    assert main(["--snapstart", "--outputs", str(path), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "has no SnapStart alias of working_sdk_test (no `snapStart` output)" in error
    assert "pulumi config set snapStart true" in error


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "locked"], "--snapstart compares one SDK on demand against SnapStart; --base"),
        (["--count-only"], "--count-only compare two SDKs"),
        (["--fail-on-regression"], "--fail-on-regression compare two SDKs"),
    ],
)
def test_usage_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--snapstart", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
