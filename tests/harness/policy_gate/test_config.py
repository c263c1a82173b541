"""The policy config: `pulumi --policy-pack-config` format, reconciled with the pack's schema,
and what a config does to the pack's verdicts (through the Analyzer protocol)."""

from __future__ import annotations

import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from harness.policy_gate.config import (
    PolicySetting,
    configure_request,
    parse_policy_config,
    reconcile,
)
from harness.policy_gate.errors import PolicyConfigError
from harness.policy_gate.gate import check_capture
from harness.policy_gate.launcher import PackProcess
from harness.program.capture import Capture


@pytest.fixture(scope="module")
def info(pack: PackProcess) -> analyzer_pb2.AnalyzerInfo:
    result: analyzer_pb2.AnalyzerInfo = analyzer_pb2_grpc.AnalyzerStub(
        pack.channel
    ).GetAnalyzerInfo(empty_pb2.Empty())
    return result


def test_the_file_format_of_the_cli() -> None:
    parsed = parse_policy_config(
        '{"all": "advisory",'
        ' "lambda-limits": {"enforcementLevel": "mandatory", "maxMemoryMb": 2048},'
        ' "layer-archive-size": {"maxZippedMb": 10}}',
        "cfg.json",
    )
    assert parsed == {
        "all": PolicySetting(level="advisory"),
        "lambda-limits": PolicySetting(level="mandatory", properties={"maxMemoryMb": 2048}),
        "layer-archive-size": PolicySetting(properties={"maxZippedMb": 10}),
    }
    assert parse_policy_config("  \n", "empty.json") == {}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "cfg.json: not valid JSON"),
        ("[1]", "expected a JSON object keyed by policy"),
        ('{"lambda-limits": "strict"}', "'strict' for 'lambda-limits' is not an enforcement level"),
        ('{"lambda-limits": 3}', "3 for 'lambda-limits' must be an enforcement level or an object"),
        ('{"x": {"enforcementLevel": 1}}', "1 for 'x' is not an enforcement level"),
    ],
)
def test_malformed_files_name_the_value_and_the_format(text: str, fragment: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        parse_policy_config(text, "cfg.json")
    assert fragment in str(raised.value)


@pytest.mark.slow
def test_defaults_come_from_the_schema(info: analyzer_pb2.AnalyzerInfo) -> None:
    settings = reconcile(info, {})
    assert settings["lambda-limits"] == PolicySetting(
        "mandatory", {"maxMemoryMb": 1024, "maxTimeoutSeconds": 60, "maxLayers": 5}
    )
    assert settings["layer-archive-size"].level == "advisory"
    assert settings["iam-policy-documents"] == PolicySetting("mandatory", {})
    assert settings["iam-no-wildcard-actions"] == PolicySetting(
        "mandatory", {"allowedActionPatterns": []}
    )
    request = configure_request(settings)
    assert set(request.policyConfig) == {p.name for p in info.policies}
    assert request.policyConfig["layer-archive-size"].enforcementLevel == analyzer_pb2.ADVISORY


@pytest.mark.slow
def test_all_then_per_policy(info: analyzer_pb2.AnalyzerInfo) -> None:
    settings = reconcile(
        info,
        {
            "all": PolicySetting(level="advisory"),
            "lambda-runtime": PolicySetting(level="disabled"),
            "lambda-limits": PolicySetting(properties={"maxMemoryMb": 2048}),
        },
    )
    assert settings["resource-names"].level == "advisory"
    assert settings["lambda-runtime"].level == "disabled"
    assert settings["lambda-limits"] == PolicySetting(
        "advisory", {"maxMemoryMb": 2048, "maxTimeoutSeconds": 60, "maxLayers": 5}
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        (
            {"lambda-limit": PolicySetting(level="advisory")},
            "names ['lambda-limit'], which the pack",
        ),
        (
            {"lambda-limits": PolicySetting(properties={"maxMemoryMb": "big"})},
            "lambda-limits.maxMemoryMb: 'big' is not of type 'integer'",
        ),
        (
            {"lambda-limits": PolicySetting(properties={"maxLayers": 6})},
            "lambda-limits.maxLayers: 6 is greater than the maximum of 5",
        ),
        (
            {"lambda-runtime": PolicySetting(properties={"allowedRuntime": ["python3.8"]})},
            "lambda-runtime: unknown settings ['allowedRuntime']; it takes "
            "['allowedRuntimes', 'asOf']",
        ),
        (
            {"lambda-log-groups": PolicySetting(properties={"minRetentionDays": 0})},
            "lambda-log-groups.minRetentionDays: 0 is less than the minimum of 1",
        ),
    ],
)
def test_config_that_does_not_fit_the_schema_is_refused(
    info: analyzer_pb2.AnalyzerInfo, given: dict[str, PolicySetting], fragment: str
) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        reconcile(info, given)
    assert fragment in str(raised.value)


def _policies(
    capture: Capture, pack: PackProcess, config: dict[str, PolicySetting]
) -> dict[str, set[str]]:
    result = check_capture(capture, pack.channel, config)
    levels: dict[str, set[str]] = {}
    for item in result.violations:
        levels.setdefault(item.policy, set()).add(item.enforcement)
    return levels


@pytest.mark.slow
def test_a_rule_can_be_lowered_to_advisory_or_disabled(
    pack: PackProcess, violations_capture: Capture
) -> None:
    before = _policies(violations_capture, pack, {})
    assert before["lambda-runtime"] == {"mandatory"}
    assert before["no-public-invoke"] == {"mandatory"}
    after = _policies(
        violations_capture,
        pack,
        {
            "lambda-runtime": PolicySetting(level="advisory"),
            "no-public-invoke": PolicySetting(level="disabled"),
        },
    )
    assert after["lambda-runtime"] == {"advisory"}
    assert "no-public-invoke" not in after
    # Configure replaces the whole config: the next check is back to the defaults.
    assert _policies(violations_capture, pack, {}) == before


@pytest.mark.slow
def test_a_setting_changes_the_limit(pack: PackProcess, violations_capture: Capture) -> None:
    raised = check_capture(
        violations_capture,
        pack.channel,
        {
            "lambda-limits": PolicySetting(
                properties={"maxMemoryMb": 4096, "maxTimeoutSeconds": 300}
            )
        },
    )
    limits = {v.urn.split("::")[-1] for v in raised.violations if v.policy == "lambda-limits"}
    # bad-memory and bad-timeout fit the raised limits; 10240 MB still does not, nor do the
    # values that are no numbers or not known.
    assert limits == {
        "bad-layer-count",
        "bad-memory-string",
        "bad-memory-not-integer",
        "bad-unknown-memory",
    }
