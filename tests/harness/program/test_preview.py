"""What a preview knows: the inputs, and the ids and ARNs AWS forms with certainty; everything
else the provider computes is unknown. And the wire format read without the Pulumi runtime."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.program.aws_mocks import Placement, created, partition_of, placement
from harness.program.bounded import BoundedLines
from harness.program.capture import UNKNOWN, Archive
from harness.program.monitor import qualified_type
from harness.program.wire import (
    ARCHIVE_SIG,
    RESOURCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN_SENTINEL,
    contains_unknown,
    plain,
    plain_properties,
    wire,
)
from harness.secret import Secret

HERE = Placement(region="us-east-1", account="123456789012")
STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


@pytest.mark.parametrize(
    ("type_", "inputs", "resource_id", "computed"),
    [
        (
            "aws:iam/role:Role",
            {"name": "honeyhive-r", "path": "/ci/"},
            "honeyhive-r",
            {"arn": "arn:aws:iam::123456789012:role/ci/honeyhive-r"},
        ),
        (
            "aws:iam/policy:Policy",
            {"name": "honeyhive-p"},
            "arn:aws:iam::123456789012:policy/honeyhive-p",
            {"arn": "arn:aws:iam::123456789012:policy/honeyhive-p"},
        ),
        (
            "aws:cloudwatch/logGroup:LogGroup",
            {"name": "/aws/lambda/honeyhive-f"},
            "/aws/lambda/honeyhive-f",
            {"arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/honeyhive-f"},
        ),
        (
            "aws:lambda/layerVersion:LayerVersion",
            {"layerName": "honeyhive-l"},
            "arn:aws:lambda:us-east-1:123456789012:layer:honeyhive-l:1",
            {
                "arn": "arn:aws:lambda:us-east-1:123456789012:layer:honeyhive-l:1",
                "layerArn": "arn:aws:lambda:us-east-1:123456789012:layer:honeyhive-l",
                "version": "1",
            },
        ),
        (
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
            {"url": "https://token.actions.githubusercontent.com"},
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            {"arn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        ),
        ("aws:s3/bucketVersioning:BucketVersioning", {"bucket": "honeyhive-b"}, "honeyhive-b", {}),
        # what AWS makes up at create time stays unknown: an autonamed role, an SNS topic
        ("aws:iam/role:Role", {}, "", {}),
        ("aws:iam/role:Role", {"name": UNKNOWN_SENTINEL}, "", {}),
        ("aws:iam/role:Role", {"name": {SIG_KEY: SECRET_SIG, "value": "r"}}, "", {}),
        ("aws:sns/topic:Topic", {"name": "honeyhive-t"}, "", {}),
    ],
)
def test_created_resources_know_only_what_aws_forms_with_certainty(
    type_: str, inputs: dict[str, object], resource_id: str, computed: dict[str, str]
) -> None:
    assert created(type_, inputs, HERE) == (resource_id, {**inputs, **computed})


def test_regional_arns_need_a_region_and_follow_its_partition() -> None:
    function = {"name": "honeyhive-f"}
    assert created("aws:lambda/function:Function", function, Placement(None, "1"))[0] == ""
    _, state = created("aws:lambda/function:Function", function, Placement("cn-north-1", "1"))
    assert state["arn"] == "arn:aws-cn:lambda:cn-north-1:1:function:honeyhive-f"
    _, state = created("aws:s3/bucket:Bucket", {"bucket": "b"}, Placement("us-gov-west-1", "1"))
    assert state["arn"] == "arn:aws-us-gov:s3:::b"
    assert [partition_of(r) for r in ("us-east-1", "cn-north-1", "us-isob-east-1", "")] == [
        "aws",
        "aws-cn",
        "aws-iso-b",
        "aws",
    ]


def test_the_account_is_the_one_the_provider_is_pinned_to() -> None:
    pinned = placement({"region": "eu-west-1", "allowedAccountIds": ["111122223333"]}, None)
    assert (pinned.region, pinned.account) == ("eu-west-1", "111122223333")
    assert placement({}, "us-west-2") == Placement("us-west-2", "123456789012")


def test_urns_chain_parent_types_below_the_stack() -> None:
    component = "urn:pulumi:dev::proj::a:b:Bed::bed"
    child = "urn:pulumi:dev::proj::a:b:Bed$a:b:Fn::fn"
    assert qualified_type("", "a:b:Bed") == "a:b:Bed"
    assert qualified_type(STACK, "a:b:Bed") == "a:b:Bed"
    assert qualified_type(component, "a:b:Fn") == "a:b:Bed$a:b:Fn"
    assert qualified_type(child, "aws:iam/role:Role") == "a:b:Bed$a:b:Fn$aws:iam/role:Role"


def test_wire_values_become_plain_ones_and_back() -> None:
    properties = {
        "environment": {"variables": {"KEY": {SIG_KEY: SECRET_SIG, "value": "k"}, "X": "1"}},
        "code": {SIG_KEY: ARCHIVE_SIG, "path": "/tmp/code.zip"},
        "role": {SIG_KEY: RESOURCE_SIG, "urn": "urn:x", "id": ""},
        "parent": {SIG_KEY: RESOURCE_SIG, "urn": "urn:component"},
        "arn": UNKNOWN_SENTINEL,
        "memorySize": 256.0,
    }
    values = plain_properties(properties)
    # a container holding a secret is a secret as a whole, as the SDK reads it
    assert values["environment"] == Secret({"variables": {"KEY": "k", "X": "1"}})
    assert values["code"] == Archive(path=Path("/tmp/code.zip"))
    assert values["role"] is UNKNOWN, "a custom resource's reference is its id, unknown here"
    assert values["parent"] == "urn:component"
    assert values["arn"] is UNKNOWN
    assert values["memorySize"] == 256
    assert isinstance(values["memorySize"], int)
    assert wire(values["arn"]) == UNKNOWN_SENTINEL
    assert wire(values["code"]) == properties["code"]
    assert plain(wire(Secret("k"))) == Secret("k")


def test_unknowns_are_found_anywhere_in_a_value() -> None:
    assert contains_unknown({"a": [1, {"b": UNKNOWN_SENTINEL}]})
    assert not contains_unknown({"a": [1, {"b": "known"}]})


def test_bounded_lines_keep_the_head_and_the_tail() -> None:
    lines = BoundedLines(head=2, tail=2)
    for index in range(10):
        lines.add(f"line {index}\n")
    lines.add("x" * 2000)
    assert lines.lines()[:2] == ["line 0", "line 1"]
    assert lines.lines()[2] == "... (7 lines omitted) ..."
    assert lines.lines()[3] == "line 9"
    assert lines.lines()[4].endswith("... (1000 more characters)")
