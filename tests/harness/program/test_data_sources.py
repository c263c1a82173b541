"""Data sources offline: the pure ones answered exactly as the provider answers them, every
other one refused by name (a failed run, never a crash or an empty answer)."""

from __future__ import annotations

import json

import pytest

from harness.program.aws_mocks import Placement
from harness.program.capture import UNKNOWN
from harness.program.data_sources import DataSourceRefused, answer
from harness.program.errors import ProgramRefused
from harness.program.render import render
from tests.policy.support import FIXTURES

PROGRAM = FIXTURES / "data_sources"


@pytest.mark.slow
def test_pure_data_sources_are_answered_as_the_provider_answers() -> None:
    capture = render("fx", program_dir=PROGRAM)
    outputs = capture.outputs
    assert outputs["dryRun"] is True, "a preview"
    assert outputs["account"] == "123456789012", "the account the provider is pinned to"
    assert outputs["region"] == {"name": "eu-west-1", "description": "Europe (Ireland)"}
    assert outputs["partition"] == {"partition": "aws", "dnsSuffix": "amazonaws.com"}
    assert json.loads(outputs["trust"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
    # a set: the duplicate action is gone, the rest reverse-sorted; the ARN as AWS forms it
    assert outputs["writer"] == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"WriteOwnLogs","Effect":"Allow",'
        '"Action":["logs:PutLogEvents","logs:CreateLogStream"],"Resource":'
        '"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/honeyhive-fx-data:*"}]}'
    )
    (role,) = capture.of_type("aws:iam/role:Role")
    assert role.inputs["assumeRolePolicy"] == outputs["trust"]
    # what AWS computes with certainty is known; what it makes up at create time is not
    assert outputs["roleArn"] == "arn:aws:iam::123456789012:role/honeyhive-fx-data-role"
    assert outputs["roleUniqueId"] is UNKNOWN


@pytest.mark.slow
@pytest.mark.parametrize(
    "token", ["aws:iam/getRole:getRole", "aws:ec2/getVpc:getVpc", "random:index/getX:getX"]
)
def test_any_other_data_source_is_a_named_refusal(token: str) -> None:
    with pytest.raises(ProgramRefused) as raised:
        render("fx", program_dir=PROGRAM, overrides={"refused": token})
    first = str(raised.value).splitlines()[0]
    assert first.startswith(f"data source `{token}` ")
    assert "cannot be checked offline" in first


WHERE = Placement(region="us-gov-west-1", account="111122223333")


def test_region_and_partition_follow_the_configured_region() -> None:
    assert answer("aws:index/getRegion:getRegion", {}, WHERE) == {
        "description": "AWS GovCloud (US-West)",
        "endpoint": "ec2.us-gov-west-1.amazonaws.com",
        "id": "us-gov-west-1",
        "name": "us-gov-west-1",
        "region": "us-gov-west-1",
    }
    assert (
        answer("aws:index/getRegion:getRegion", {"region": "cn-north-1"}, WHERE)["endpoint"]
        == "ec2.cn-north-1.amazonaws.com.cn"
    )
    assert answer("aws:index/getPartition:getPartition", {}, WHERE)["partition"] == "aws-us-gov"
    identity = answer("aws:index/getCallerIdentity:getCallerIdentity", {}, WHERE)
    assert identity["accountId"] == "111122223333"
    assert identity["arn"].startswith("arn:aws-us-gov:sts::111122223333:assumed-role/")


def test_a_region_outside_the_table_is_refused_not_described_wrongly() -> None:
    with pytest.raises(DataSourceRefused, match="region 'xx-moon-1' is not in the gate's table"):
        answer("aws:index/getRegion:getRegion", {"region": "xx-moon-1"}, WHERE)
