"""Every rule, through the Analyzer protocol against the real pack process.

The fixture program (fixtures/violations) declares, per rule, resources that break it and
resources that keep it. Its render capture goes to the pack exactly as the gate sends it; these
tests check that each bad resource is reported by its rule with a message that names the bad
value and the fix, and that nothing else is reported at all.
"""

from __future__ import annotations

import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from harness.policy_gate.gate import GateResult
from harness.policy_gate.launcher import PackProcess
from harness.policy_gate.report import Violation
from harness.program.capture import Capture
from tests.policy.attack_cases import ATTACKS

pytestmark = pytest.mark.slow

# logical name -> {policy: a fragment its message must contain}
EXPECTED: dict[str, dict[str, str]] = {
    "bad-name-prefix": {"resource-names": "'fx-no-prefix-role' does not start with 'honeyhive-'"},
    "bad-name-length": {"resource-names": "is 70 characters; AWS allows at most 64"},
    "bad-name-charset": {"resource-names": "contains '.'; use only letters, digits"},
    "bad-name-log-group": {"resource-names": "does not start with '/aws/lambda/honeyhive-'"},
    "bad-name-bucket": {"resource-names": "contains 'FX_'; use only lowercase letters"},
    "bad-name-layer": {"resource-names": "'fx-layer' does not start with 'honeyhive-'"},
    "bad-no-name": {"explicit-names": "IAM role name is not set"},
    "bad-name-prefix-option": {"explicit-names": "generated from namePrefix="},
    "bad-bucket-prefix": {"explicit-names": "generated from bucketPrefix='honeyhive-fx-'"},
    "honeyhive-fx-generated": {"explicit-names": "'honeyhive-fx-generated-1a2b3c4' is what the"},
    "bad-action-star": {"iam-no-wildcard-actions": "allows '*', every action of every service"},
    "bad-action-service": {
        "iam-no-wildcard-actions": "allows 's3:*'",
        "iam-no-wildcard-resources": "honeyhive-fx-good-bucket/*' (a wildcard over name)",
    },
    "bad-not-action": {
        "iam-no-wildcard-actions": "'honeyhive-fx-inline' statement #1 uses NotAction"
    },
    "bad-policy-document": {
        "iam-policy-documents": "policy is not a valid identity policy: not JSON"
    },
    "bad-resource-star": {
        "iam-no-wildcard-resources": "grants ['lambda:UpdateFunctionCode'] on Resource '*'"
    },
    "bad-not-resource": {"iam-no-wildcard-resources": "uses NotResource"},
    "bad-admin-attachment": {"iam-managed-policies": "policy/AdministratorAccess'; only"},
    "bad-iam-full-access": {"iam-managed-policies": "policy/IAMFullAccess'"},
    "bad-full-access": {"iam-managed-policies": "policy/AmazonS3FullAccess'"},
    "bad-runtime": {"lambda-runtime": "runtime 'python3.8' is not allowed; use one of python3.12"},
    "bad-deprecated-runtime": {
        "lambda-runtime": "runtime 'python3.10' is not allowed; use one of python3.12",
        "lambda-runtime-deprecation": "runtime 'python3.10' was deprecated on 2026-10-31; "
        "Lambda blocks creating functions on it from 2026-11-30",
    },
    "bad-blocked-runtime": {
        "lambda-runtime": "runtime 'python3.11': Lambda blocks creating functions on it since "
        "2026-07-31"
    },
    "bad-memory": {"lambda-limits": "memorySize 2048 MB is above the 1024 MB limit"},
    "bad-timeout": {"lambda-limits": "timeout 120 s is above the 60 s limit"},
    "bad-layer-count": {"lambda-limits": "uses 6 layers; at most 5"},
    "bad-function-url": {"no-public-invoke": "authorizationType 'NONE'"},
    "bad-permission": {"no-public-invoke": "to principal '*'"},
    "bad-untagged": {
        "required-tags": "['honeyhive:branch', 'honeyhive:expires-at', 'honeyhive:managed-by']"
    },
    "bad-trust-role": {"iam-role-trust": "also trusts ['Service:ec2.amazonaws.com']"},
    "bad-external-role": {"iam-role-trust": "role/honeyhive-elsewhere', which is not declared"},
    "bad-layer-runtime": {"lambda-layer-compatible": "runs python3.12 but layer"},
    "bad-layer-arch": {"lambda-layer-compatible": "runs on ['arm64'] but layer"},
    "bad-external-layer": {"lambda-layer-compatible": "layer:elsewhere:1', which is not declared"},
    "bad-no-log-group": {"lambda-log-groups": "logs to '/aws/lambda/honeyhive-fx-no-logs'"},
    "bad-retention-zero": {"lambda-log-groups": "retentionInDays is 0, so CloudWatch never"},
    "bad-retention-missing": {"lambda-log-groups": "retentionInDays is not set"},
    "bad-retention-long": {"lambda-log-groups": "retentionInDays 365 is outside"},
    "bad-big-layer": {"layer-archive-size": "it is 51.0 MB, above Lambda's 50 MB limit"},
    # the type allowlist
    "bad-resource-type": {"allowed-resource-types": "aws:sns/topic:Topic is not a resource type"},
    # numbers as the bridge reads them
    "bad-memory-string": {"lambda-limits": "memorySize 10240 MB is above the 1024 MB limit"},
    "bad-memory-not-integer": {"lambda-limits": "memorySize '1e4' is not an integer"},
    "bad-retention-string": {"lambda-log-groups": "retentionInDays is 0, so CloudWatch never"},
    # action patterns and resource ARNs
    "bad-action-double-star": {"iam-no-wildcard-actions": "allows 'iam:**', every action of iam"},
    "bad-action-star-question": {"iam-no-wildcard-actions": "'lambda:*?', every action of lambda"},
    "bad-partial-action": {"iam-no-wildcard-actions": "'s3:Get*', a wildcard over s3 actions"},
    "bad-arn-region": {"iam-no-wildcard-resources": "(a wildcard over region)"},
    "bad-arn-account": {"iam-no-wildcard-resources": "(a wildcard over account)"},
    "bad-arn-service": {"iam-no-wildcard-resources": "(a wildcard over service)"},
    "bad-arn-resource-type": {"iam-no-wildcard-resources": "(a wildcard over resource type)"},
    # documents IAM would refuse
    "bad-effect": {"iam-policy-documents": "Effect is 'allow'; IAM accepts only 'Allow' or 'Deny'"},
    "bad-duplicate-key": {"iam-policy-documents": "the key 'Action' appears twice"},
    # every role's trust
    "bad-trust-anyone": {"iam-role-trust": "trusts anyone (AWS '*')"},
    "bad-trust-foreign": {"iam-role-trust": "trusts account 999999999999"},
    "bad-trust-federated": {"iam-role-trust": "with no Condition"},
    # resource-based policies
    "bad-bucket-policy": {
        "resource-policies": "allows anyone (* '*') to ['s3:GetObject']",
        "iam-no-wildcard-resources": "(a wildcard over name)",
    },
    "bad-queue-policy": {"resource-policies": "service 'sns.amazonaws.com' without an aws:Source"},
    "bad-layer-permission": {"resource-policies": "with principal '*' (every account)"},
    "bad-permission-no-source": {"resource-policies": "without sourceArn or sourceAccount"},
    # managed policies
    "bad-aws-managed": {"iam-managed-policies": "policy/ReadOnlyAccess'; only"},
    "bad-undeclared-policy": {"iam-managed-policies": "which is not declared in this stack"},
    # where the key goes
    "bad-api-url": {"lambda-api-url": "HH_API_URL = 'https://attacker.example/collect' is not on"},
    "bad-api-proxy": {
        "lambda-api-url": "HTTPS_PROXY routes the SDK's requests",
        "lambda-environment": "variable 'HTTPS_PROXY' is not one the test bed sets",
    },
    # expiry
    "bad-expiry-far": {"stack-expiry": "9999-12-31T23:59:59Z is more than 24 h from now"},
    "bad-expiry-past": {"stack-expiry": "2026-11-28T00:00:00Z is already past"},
    # unknown at preview: mandatory, never skipped
    "bad-unknown-runtime": {"lambda-runtime": "cannot verify the runtime at preview"},
    "bad-unknown-memory": {"lambda-limits": "cannot verify memorySize at preview"},
    "bad-unknown-role": {"iam-role-trust": "cannot verify the role of function"},
    "bad-unknown-api-url": {"lambda-api-url": "cannot verify the function's environment"},
    "bad-unknown-policy": {"iam-policy-documents": "cannot verify policy (an identity policy)"},
    "bad-unknown-url-auth": {"no-public-invoke": "cannot verify the function URL's authorization"},
    "bad-unknown-retention": {"lambda-log-groups": "cannot verify retentionInDays at preview"},
    "bad-unknown-name": {"resource-names": "cannot verify the name (`name`) at preview"},
    # SnapStart
    "bad-snapstart-runtime": {
        "lambda-runtime": "runtime 'python3.11': Lambda blocks creating functions on it",
        "lambda-snapstart": "turns SnapStart on with runtime 'python3.11', which has none",
    },
    "bad-snapstart-storage": {
        "lambda-snapstart": "ephemeral storage 1024 MB; SnapStart allows",
        "resource-properties": "ephemeralStorage.size 1024 is outside 512..512",
    },
    "bad-snapstart-efs": {
        "lambda-snapstart": "SnapStart cannot be used with Amazon EFS",
        "resource-properties": "sets 'fileSystemConfig'",
    },
    "bad-snapstart-provisioned": {
        "lambda-snapstart": "provisioned concurrency on function 'honeyhive-fx-snap-good'",
        "allowed-resource-types": "ProvisionedConcurrencyConfig is not a resource type",
    },
}

ADVISORY = {"layer-archive-size", "lambda-runtime-deprecation"}

# policy -> compliant resources of the kinds it examines (reported by no policy at all)
COMPLIANT: dict[str, list[str]] = {
    "allowed-resource-types": [
        "good-function",
        "good-queue-policy",
        "tagged",
        "good-snapstart-alias",
    ],
    "resource-names": ["good-function", "good-role", "good-layer", "good-bucket", "good-log-group"],
    "explicit-names": ["good-role-policy", "good-managed-policy", "good-bucket"],
    "iam-policy-documents": ["good-role-policy", "good-role", "good-queue-policy"],
    "iam-no-wildcard-actions": [
        "good-role-policy",
        "good-managed-policy",
        "good-allowlisted-pattern",
    ],
    "iam-no-wildcard-resources": ["good-role-policy", "good-managed-policy"],
    "iam-managed-policies": ["good-attachment", "good-declared-policy", "good-role"],
    "iam-role-trust": ["good-role", "good-function", "uses-bad-trust-role", "good-trust-federated"],
    "resource-policies": ["good-queue-policy", "good-permission"],
    "lambda-runtime": ["good-function", "good-function-default-logs"],
    "lambda-runtime-deprecation": ["good-function", "good-function-default-logs"],
    "lambda-limits": ["good-function", "good-function-default-logs"],
    "lambda-api-url": ["good-function", "good-api-url"],
    "no-public-invoke": ["good-function-url", "good-permission"],
    "required-tags": ["good-own-tags", "good-bucket", "good-function", "good-managed-policy"],
    "stack-expiry": ["good-expiry", "good-function"],
    "lambda-layer-compatible": ["good-function", "good-layer", "python313-x86-layer"],
    "lambda-log-groups": ["good-function-default-logs", "good-default-log-group", "good-log-group"],
    "layer-archive-size": ["good-layer", "python313-x86-layer"],
    "lambda-snapstart": ["good-snapstart", "good-snapstart-alias", "good-function"],
}


def _by_name(result: GateResult) -> dict[str, list[Violation]]:
    found: dict[str, list[Violation]] = {}
    for item in result.violations:
        found.setdefault(item.urn.split("::")[-1], []).append(item)
    return found


def test_exactly_the_bad_resources_are_reported_each_by_its_rule(
    violations_result: GateResult,
) -> None:
    reported = {(name, v.policy) for name, vs in _by_name(violations_result).items() for v in vs}
    expected = {(name, policy) for name, rules in EXPECTED.items() for policy in rules}
    assert reported - expected == set(), "reported but not expected"
    assert expected - reported == set(), "expected but not reported"


@pytest.mark.parametrize(
    ("name", "policy", "fragment"),
    [
        (name, policy, fragment)
        for name, rules in EXPECTED.items()
        for policy, fragment in rules.items()
    ],
)
def test_violation_names_the_bad_value_and_the_fix(
    violations_result: GateResult, name: str, policy: str, fragment: str
) -> None:
    messages = [v.message for v in _by_name(violations_result).get(name, []) if v.policy == policy]
    assert any(fragment in m for m in messages), messages
    enforcement = "advisory" if policy in ADVISORY else "mandatory"
    assert all(
        v.enforcement == enforcement
        for v in _by_name(violations_result)[name]
        if v.policy == policy
    )


@pytest.mark.parametrize("policy", sorted(COMPLIANT))
def test_compliant_resources_are_silent(
    violations_result: GateResult, violations_capture: Capture, policy: str
) -> None:
    declared = {r.urn.split("::")[-1] for r in violations_capture.resources}
    reported = _by_name(violations_result)
    for name in COMPLIANT[policy]:
        assert name in declared, f"the fixture no longer declares {name}"
        assert reported.get(name, []) == []


def test_every_policy_of_the_pack_is_exercised(pack: PackProcess) -> None:
    """Here, or by the attacks of tests/policy/test_classes.py (whose compliant test bed every
    policy reads)."""
    info = analyzer_pb2_grpc.AnalyzerStub(pack.channel).GetAnalyzerInfo(empty_pb2.Empty())
    policies = {p.name for p in info.policies}
    assert info.name == "honeyhive-lambda-guard"
    exercised = {p for rules in (*EXPECTED.values(), *ATTACKS.values()) for p in rules}
    assert exercised == policies
    assert set(COMPLIANT) | {p for rules in ATTACKS.values() for p in rules} == policies


def test_the_gate_fails_on_the_fixture_and_counts_every_resource(
    violations_result: GateResult, violations_capture: Capture
) -> None:
    assert not violations_result.passed
    # every captured resource plus the root stack the engine registers first
    assert violations_result.resources == len(violations_capture.resources) + 1
