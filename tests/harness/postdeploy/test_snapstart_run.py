"""The SnapStart phase's pure parts: what the outputs name, REPORT's restore fields, the
environment checks, the costs and the report section."""

from __future__ import annotations

import json

import pytest

from harness.postdeploy.cost import LAMBDA_PRICES, invocation_cost_usd
from harness.postdeploy.invoke import Invocation, invocation_from
from harness.postdeploy.snapstart import EnvironmentIds
from harness.postdeploy.snapstart_run import (
    Variant,
    environment_problems,
    render,
    restore_report_problems,
    snapstart_costs,
    summary,
    variants,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:honeyhive-ci-{}:honeyhive-snapstart"
REPORT = (
    "REPORT RequestId: {rid}\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\t"
    "Max Memory Used: 90 MB\tRestore Duration: 321.50 ms\tBilled Restore Duration: 140 ms\n"
)


def answer(
    rid: str, stream: str | None, kind: str = "snap-start", log: str = REPORT, **extra: object
) -> Invocation:
    body = {"sessionId": f"s-{rid}", "initializationType": kind, "logStream": stream,
            "coldStart": True, **extra}  # fmt: skip
    return invocation_from(
        name="fn",
        event={},
        request_id=rid,
        function_error=None,
        payload_text=json.dumps({"statusCode": 200, "body": json.dumps(body)}),
        log=log.format(rid=rid),
    )


def test_the_outputs_name_each_alias_and_the_hooked_variant() -> None:
    outputs = {
        "snapStart": {
            "functions": {"working_sdk_test": {"qualifiedArn": ARN.format("w")}},
            "hooked": {"of": "working_sdk_test", "qualifiedArn": ARN.format("h")},
        }
    }
    found = variants(outputs)
    assert [(v.key, v.function, v.qualified_arn) for v in found] == [
        ("working_sdk_test", "working_sdk_test", ARN.format("w")),
        ("hooked", "working_sdk_test", ARN.format("h")),
    ]
    assert variants({"functions": {}}) == []


def test_restore_durations_are_read_from_report_and_environments_checked() -> None:
    variant = Variant("working_sdk_test", "working_sdk_test", ARN.format("w"))
    variant.invocations = [
        answer("r1", "a"), answer("r2", "b", coldStart=False), answer("r3", "c", "on-demand")
    ]  # fmt: skip
    assert variant.restore_ms() == [(321.5, 140)] * 3
    problems = environment_problems(variant)
    assert any("ran in a 'on-demand' environment, not 'snap-start'" in p for p in problems)
    assert any(
        "1 of 3 concurrent invocations were not the first call of their environment" in p
        for p in problems
    ), problems
    # As on AWS, where a SnapStart function has no log stream name: first calls suffice.
    variant.invocations = [answer("r1", None), answer("r2", None)]
    assert environment_problems(variant) == []


def test_costs_scale_with_memory() -> None:
    half = snapstart_costs(512, "x86_64")
    assert half == {"restoresPer1kUsd": 0.069900, "cachePerHourUsd": 0.002708, "coldPer1kUsd": None}
    assert snapstart_costs(1024, "x86_64")["restoresPer1kUsd"] == 0.1398


def test_the_cold_cost_per_1k_includes_the_restore_duration_the_restore_and_the_cache() -> None:
    """Each part computed from the prices: duration (Billed Duration + Billed Restore Duration
    x GB x GB-second) and request, the restore per GB, one hour of cache per 1,000 invocations."""
    prices = LAMBDA_PRICES
    for memory, arch in ((512, "x86_64"), (1024, "arm64")):
        gb = memory / 1024
        cold = snapstart_costs(memory, arch, [13, 27], [140, 160])["coldPer1kUsd"]
        duration = 1000 * ((20 + 150) / 1000 * gb * prices.gb_second(arch) + prices.request_usd)
        restore = 1000 * gb * prices.snapstart_restore_usd_per_gb
        cache = 3600 * gb * prices.snapstart_cache_usd_per_gb_second
        assert cold == pytest.approx(duration + restore + cache, abs=1e-6)
        assert cold == pytest.approx(
            1000 * invocation_cost_usd(170, memory, arch) + restore + cache, abs=1e-6
        )
    assert snapstart_costs(512, "x86_64", [13], [])["coldPer1kUsd"] is None, "local: no restore"


def test_the_section_names_shared_ids_and_says_restores_are_aws_only() -> None:
    variant = Variant("working_sdk_test", "working_sdk_test", ARN.format("w"), "On")
    variant.invocations = [answer("r1", "a"), answer("r2", "b")]
    variant.ids = [
        EnvironmentIds("a", ("t1",), ("s1",), ("x1",)),
        EnvironmentIds("b", ("t1",), ("s1",), ("x2",)),
    ]
    report = summary({"working_sdk_test": variant}, {"working_sdk_test": 512})
    entry = report["working_sdk_test"]
    assert entry["uniqueness"] and "t1 (in 2)" in entry["uniqueness"]
    assert entry["restoreMs"] == [321.5, 321.5] and entry["billedRestoreMs"] == [140, 140]
    cold = report["working_sdk_test"]["costs"]["coldPer1kUsd"]
    assert cold == snapstart_costs(512, "x86_64", [13, 13], [140, 140])["coldPer1kUsd"]
    text = "\n".join(render(report, {"working_sdk_test": 1100.0}, {"working_sdk_test": 0.0212}))
    assert (
        "| working_sdk_test | On | 2 | yes | 321.5 max | 1100.0 | $0.069900 | $0.002708 | "
        f"${cold:.6f} | $0.021200 |"
    ) in text
    assert "spread over 1,000 invocations an hour" in text
    assert "- working_sdk_test `a`: t1; s1" in text
    assert render({}, {}, {}) == []


def test_a_restore_is_reported_with_its_durations_and_without_init() -> None:
    variant = Variant("working_sdk_test", "working_sdk_test", ARN.format("w"))
    variant.invocations = [answer("r1", "a")]
    assert restore_report_problems(variant) == []
    on_demand = "REPORT RequestId: {rid}\tDuration: 5.00 ms\tInit Duration: 900.00 ms\n"
    variant.invocations = [answer("r2", "b", log=on_demand)]
    problems = restore_report_problems(variant)
    assert len(problems) == 2
    assert "r2: its REPORT has no Restore Duration" in problems[0]
    assert "has an Init Duration" in problems[1]
