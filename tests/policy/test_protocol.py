"""What a real `pulumi preview` sends and a mock render cannot: unknown values, policy documents
given as objects, secrets, links that exist only as URNs. Hand-built requests go to the real pack.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from harness.policy_gate.launcher import PackProcess
from harness.program.wire import SECRET_SIG, SIG_KEY, to_struct
from harness.program.wire import UNKNOWN_SENTINEL as UNKNOWN

pytestmark = pytest.mark.slow

STACK = "urn:pulumi:dev::proj::"
TAGS = json.dumps(
    {
        "tags": {
            "honeyhive:stack": "dev",
            "honeyhive:branch": "unset",
            "honeyhive:expires-at": "never",
            "honeyhive:managed-by": "pulumi",
        }
    }
)
PROVIDER = analyzer_pb2.AnalyzerProviderResource(
    type="pulumi:providers:aws",
    properties=to_struct({"region": "us-east-1", "defaultTags": TAGS}),
    urn=f"{STACK}pulumi:providers:aws::aws",
    name="aws",
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


TRUST_EC2 = TRUST.replace('"lambda.amazonaws.com"', '["lambda.amazonaws.com", "ec2.amazonaws.com"]')


def urn(type_: str, name: str) -> str:
    return f"{STACK}{type_}::{name}"


def analyze(pack: PackProcess, type_: str, name: str, props: dict[str, Any]) -> list[str]:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_,
        properties=to_struct(props),
        urn=urn(type_, name),
        name=name,
        provider=PROVIDER,
    )
    response = analyzer_pb2_grpc.AnalyzerStub(pack.channel).Analyze(request)
    return [f"{d.policyName}: {d.message}" for d in response.diagnostics]


def stack_resource(
    type_: str, name: str, props: dict[str, Any], **deps: list[str]
) -> analyzer_pb2.AnalyzerResource:
    resource = analyzer_pb2.AnalyzerResource(
        type=type_, properties=to_struct(props), urn=urn(type_, name), name=name, provider=PROVIDER
    )
    for key, urns in deps.items():
        resource.propertyDependencies[key].urns.extend(urns)
        resource.dependencies.extend(urns)
    return resource


def analyze_stack(pack: PackProcess, *resources: analyzer_pb2.AnalyzerResource) -> list[str]:
    response = analyzer_pb2_grpc.AnalyzerStub(pack.channel).AnalyzeStack(
        analyzer_pb2.AnalyzeStackRequest(resources=resources)
    )
    return [f"{d.policyName}: {d.message}" for d in response.diagnostics]


FUNCTION = "aws:lambda/function:Function"
LAYER = "aws:lambda/layerVersion:LayerVersion"
ROLE = "aws:iam/role:Role"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def test_unknown_values_that_rules_read_are_mandatory_violations(pack: PackProcess) -> None:
    props = {
        "name": "honeyhive-dev-fn",
        "runtime": UNKNOWN,
        "memorySize": UNKNOWN,
        "role": UNKNOWN,
        "layers": [UNKNOWN],
        "tags": UNKNOWN,
        "environment": UNKNOWN,
    }
    found = analyze(pack, FUNCTION, "fn", props)
    # No "can't run policy ... during preview" advisory: every rule fails closed by itself.
    assert sorted(f.split(":", 1)[0] for f in found) == [
        "lambda-api-url",
        "lambda-limits",
        "lambda-runtime",
        "required-tags",
    ]
    assert all("at preview: it is not known until the update" in f for f in found), found


def test_known_values_next_to_unknown_ones_are_still_checked(pack: PackProcess) -> None:
    props = {"name": "honeyhive-dev-fn", "runtime": "python3.8", "role": UNKNOWN}
    assert analyze(pack, FUNCTION, "fn", props) == [
        "lambda-runtime: Lambda functions use an allowed runtime that Lambda still lets anyone "
        "create\nruntime 'python3.8' is not allowed; use one of python3.12, python3.13, python3.14"
    ]


def test_a_policy_document_given_as_an_object_is_checked(pack: PackProcess) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    found = analyze(
        pack, "aws:iam/rolePolicy:RolePolicy", "p", {"name": "honeyhive-p", "policy": document}
    )
    assert [f.split(":", 1)[0] for f in found] == [
        "iam-no-wildcard-actions",
        "iam-no-wildcard-resources",
    ]


def test_secret_values_reach_the_rules_unwrapped(pack: PackProcess) -> None:
    secret_runtime = {SIG_KEY: SECRET_SIG, "value": "python3.8"}
    found = analyze(pack, FUNCTION, "fn", {"name": "honeyhive-dev-fn", "runtime": secret_runtime})
    assert len(found) == 1
    assert "runtime 'python3.8' is not allowed" in found[0]


def test_links_follow_values_not_dependencies(pack: PackProcess) -> None:
    """In a preview where ARNs are unknown, the dependency records still name the role, layer
    and log group; they say what a value came from, not what it is, so they link nothing."""
    role = stack_resource(ROLE, "role", {"name": "honeyhive-dev-role", "assumeRolePolicy": TRUST})
    layer = stack_resource(
        LAYER,
        "layer",
        {
            "layerName": "honeyhive-dev-layer",
            "description": "honeyhive-lambda-test sdk layer; stack=dev; sdk=x",
            "compatibleRuntimes": ["python3.12"],
            "compatibleArchitectures": ["x86_64"],
            "arn": UNKNOWN,
        },
    )
    logs = stack_resource(
        LOG_GROUP, "logs", {"name": "/aws/lambda/honeyhive-dev-fn", "retentionInDays": 14}
    )
    function = stack_resource(
        FUNCTION,
        "fn",
        {
            "name": "honeyhive-dev-fn",
            "runtime": "python3.12",
            "role": UNKNOWN,
            "layers": [UNKNOWN],
            "loggingConfig": {"logGroup": UNKNOWN},
        },
        role=[role.urn],
        layers=[layer.urn],
        loggingConfig=[logs.urn],
    )
    found = analyze_stack(pack, role, layer, logs, function)
    assert sorted(f.split(":", 1)[0] for f in found) == [
        "iam-role-trust",
        "lambda-layer-compatible",
        "lambda-log-groups",
    ]
    assert all("cannot verify" in f for f in found), found


def test_a_role_is_linked_by_the_arn_the_function_names(pack: PackProcess) -> None:
    arn = "arn:aws:iam::123456789012:role/honeyhive-dev-"
    wide = stack_resource(
        ROLE,
        "wide",
        {"name": "honeyhive-dev-wide", "arn": arn + "wide", "assumeRolePolicy": TRUST_EC2},
    )
    narrow = stack_resource(
        ROLE,
        "narrow",
        {"name": "honeyhive-dev-narrow", "arn": arn + "narrow", "assumeRolePolicy": TRUST},
    )
    # The dependency records name the narrow role; the value names the wide one.
    function = stack_resource(
        FUNCTION,
        "fn",
        {"name": "honeyhive-dev-fn", "runtime": "python3.12", "role": arn + "wide"},
        role=[narrow.urn],
    )
    found = [f for f in analyze_stack(pack, wide, narrow, function) if "iam-role-trust" in f]
    assert len(found) == 1
    assert "role 'honeyhive-dev-wide' (used by ['honeyhive-dev-fn'])" in found[0]
    assert "also trusts ['Service:ec2.amazonaws.com']" in found[0]


def test_ci_branch_stacks_must_expire(pack: PackProcess) -> None:
    never = stack_resource(
        LOG_GROUP, "logs", {"name": "/aws/lambda/honeyhive-x", "retentionInDays": 7}
    )
    branch = analyzer_pb2.AnalyzerResource()
    branch.CopyFrom(never)
    branch.urn = never.urn.replace("urn:pulumi:dev::", "urn:pulumi:gh-feature::")
    assert analyze_stack(pack, never) == []
    (found,) = analyze_stack(pack, branch)
    assert found.startswith("stack-expiry:")
    assert "'never' on stack 'gh-feature'; CI's gh-* stacks must expire" in found


@pytest.mark.parametrize(
    ("type_", "project", "allowed"),
    [
        (
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
            "honeyhive-lambda-test-bootstrap",
            True,
        ),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "proj", False),
        ("aws:cloudcontrol/resource:Resource", "proj", False),
        ("aws:cloudformation/stack:Stack", "proj", False),
        ("aws:iam/accessKey:AccessKey", "proj", False),
        ("pulumi:providers:command", "proj", False),
        ("pulumi:providers:aws", "proj", True),
    ],
)
def test_only_allowlisted_types(pack: PackProcess, type_: str, project: str, allowed: bool) -> None:
    provider = None if type_.startswith("pulumi:providers:") else PROVIDER
    request = analyzer_pb2.AnalyzeRequest(
        type=type_,
        properties=to_struct({}),
        urn=f"urn:pulumi:dev::{project}::{type_}::r",
        name="r",
        provider=provider,
    )
    found = analyzer_pb2_grpc.AnalyzerStub(pack.channel).Analyze(request).diagnostics
    types = [d for d in found if d.policyName == "allowed-resource-types"]
    assert (types == []) is allowed, [d.message for d in types]


def test_components_declare_nothing_and_are_not_checked(pack: PackProcess) -> None:
    request = analyzer_pb2.AnalyzeRequest(
        type="example:index:Anything",
        properties=to_struct({"name": "no-prefix", "tags": {}}),
        urn=urn("example:index:Anything", "component"),
        name="component",
    )
    assert analyzer_pb2_grpc.AnalyzerStub(pack.channel).Analyze(request).diagnostics == []
