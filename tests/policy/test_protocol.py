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


def test_unknown_values_in_a_preview_are_skipped_not_failed(pack: PackProcess) -> None:
    props = {
        "name": "honeyhive-dev-fn",
        "runtime": UNKNOWN,
        "memorySize": UNKNOWN,
        "role": UNKNOWN,
        "layers": [UNKNOWN],
        "tags": UNKNOWN,
    }
    # No "can't run policy ... during preview" advisory either: rules tolerate unknowns.
    assert analyze(pack, FUNCTION, "fn", props) == []


def test_known_values_next_to_unknown_ones_are_still_checked(pack: PackProcess) -> None:
    props = {"name": "honeyhive-dev-fn", "runtime": "python3.8", "role": UNKNOWN}
    assert analyze(pack, FUNCTION, "fn", props) == [
        "lambda-runtime: Lambda functions use an allowed runtime that Lambda still lets anyone "
        "create\nruntime 'python3.8' is not allowed; use one of python3.12, python3.13"
    ]


def test_a_policy_document_given_as_an_object_is_checked(pack: PackProcess) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    found = analyze(pack, "aws:iam/policy:Policy", "p", {"name": "honeyhive-p", "policy": document})
    assert [f.split(":", 1)[0] for f in found] == [
        "iam-no-wildcard-actions",
        "iam-no-wildcard-resources",
    ]


def test_secret_values_reach_the_rules_unwrapped(pack: PackProcess) -> None:
    secret_runtime = {SIG_KEY: SECRET_SIG, "value": "python3.8"}
    found = analyze(pack, FUNCTION, "fn", {"name": "honeyhive-dev-fn", "runtime": secret_runtime})
    assert len(found) == 1
    assert "runtime 'python3.8' is not allowed" in found[0]


def test_stack_links_by_urn_when_arns_are_unknown(pack: PackProcess) -> None:
    """In a preview a function's role and layers are unknown ARNs: the URNs link them."""
    role = stack_resource(ROLE, "role", {"name": "honeyhive-dev-role", "assumeRolePolicy": TRUST})
    layer = stack_resource(
        LAYER,
        "layer",
        {
            "layerName": "honeyhive-dev-layer",
            "compatibleRuntimes": ["python3.13"],
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
    assert len(found) == 1
    assert found[0].startswith("lambda-layer-compatible:")
    assert "runs python3.12 but layer 'honeyhive-dev-layer' is built for ['python3.13']" in found[0]


def test_stack_rules_stay_silent_when_nothing_links_yet(pack: PackProcess) -> None:
    function = stack_resource(
        FUNCTION,
        "fn",
        {"name": UNKNOWN, "runtime": "python3.12", "role": UNKNOWN, "layers": [UNKNOWN]},
    )
    assert analyze_stack(pack, function) == []
