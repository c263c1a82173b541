"""Pure helpers of the pack and the gate (the rules themselves are tested through the protocol)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra import naming as program_naming
from infra.spec import FUNCTIONS, SUPPORTED_RUNTIMES
from policy.hhguard import aws_types as t
from policy.hhguard.iam import is_broad_managed_policy
from policy.hhguard.iam_documents import (
    DocumentError,
    is_wildcard_action,
    is_wildcard_resource,
    statements,
)
from policy.hhguard.limits import NAME_PREFIX
from policy.hhguard.naming import bucket_name_problems, name_problems
from policy.hhguard.runtimes import today

STACK_NAMES = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
    min_size=1,
    max_size=100,
)


@given(STACK_NAMES)
def test_every_name_the_program_derives_passes_the_pack(stack: str) -> None:
    """infra/naming.py and the pack agree, for any stack name Pulumi accepts."""
    for spec in FUNCTIONS.values():
        function = program_naming.function_name(stack, spec)
        assert list(name_problems(t.FUNCTION, function, NAME_PREFIX)) == []
        assert list(name_problems(t.ROLE, program_naming.role_name(stack, spec), NAME_PREFIX)) == []
        policy_name = program_naming.role_policy_name(stack, spec)
        assert list(name_problems(t.ROLE_POLICY, policy_name, NAME_PREFIX)) == []
        log_group = program_naming.log_group_name(function)
        assert list(name_problems(t.LOG_GROUP, log_group, NAME_PREFIX)) == []
    for runtime in SUPPORTED_RUNTIMES:
        layer = program_naming.layer_name(stack, runtime)
        assert list(name_problems(t.LAYER_VERSION, layer, NAME_PREFIX)) == []


@pytest.mark.parametrize(
    ("bucket", "fragment"),
    [
        ("honeyhive-ab", ""),
        ("honeyhive-" + "a" * 54, "is 64 characters; S3 requires 3 to 63"),
        ("honeyhive-a..b", "adjacent periods"),
        ("honeyhive-a-", "must begin and end"),
        ("honeyhive-x-s3alias", "ends with '-s3alias'"),
        ("xn--honeyhive", "starts with 'xn--'"),
        ("192.168.1.1", "formatted as an IP address"),
    ],
)
def test_s3_bucket_rules(bucket: str, fragment: str) -> None:
    problems = list(bucket_name_problems(bucket, "" if bucket[0] != "h" else NAME_PREFIX))
    if fragment:
        assert any(fragment in p for p in problems), problems
    else:
        assert problems == []


@pytest.mark.parametrize(
    ("action", "wildcard"),
    [
        ("*", True),
        ("s3:*", True),
        ("S3:*", True),
        ("*:GetObject", True),
        (" lambda:* ", True),
        ("s3:Get*", False),
        ("logs:PutLogEvents", False),
    ],
)
def test_wildcard_actions(action: str, wildcard: bool) -> None:
    assert is_wildcard_action(action) is wildcard


@pytest.mark.parametrize(
    ("resource", "wildcard"),
    [
        ("*", True),
        ("arn:aws:*:us-east-1:1:x", True),
        ("arn:aws:s3:::bucket/*", False),
        ("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/honeyhive-*:*", False),
    ],
)
def test_wildcard_resources(resource: str, wildcard: bool) -> None:
    assert is_wildcard_resource(resource) is wildcard


def test_documents_as_string_object_and_single_statement() -> None:
    statement = {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": ["a"]}
    as_object = {"Version": "2012-10-17", "Statement": statement}
    for document in (as_object, json.dumps(as_object)):
        (parsed,) = statements(document) or []
        assert (parsed.label, parsed.allows, parsed.actions, parsed.resources) == (
            "statement 'Logs'",
            True,
            ("logs:PutLogEvents",),
            ("a",),
        )
    assert statements(None) is None


@pytest.mark.parametrize("document", ["nope", "[]", '{"Version": "2012-10-17"}', 42])
def test_unreadable_documents(document: object) -> None:
    with pytest.raises(DocumentError):
        statements(document)


@pytest.mark.parametrize(
    ("arn", "broad"),
    [
        ("arn:aws:iam::aws:policy/AdministratorAccess", True),
        ("arn:aws:iam::aws:policy/PowerUserAccess", True),
        ("arn:aws:iam::aws:policy/IAMFullAccess", True),
        ("arn:aws:iam::aws:policy/AWSLambda_FullAccess", True),
        ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", False),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", False),
    ],
)
def test_broad_managed_policies(arn: str, broad: bool) -> None:
    assert is_broad_managed_policy(arn) is broad


def test_runtime_dates_are_judged_on_as_of_else_on_todays_date() -> None:
    assert today({"asOf": "2028-11-30"}) == date(2028, 11, 30)
    assert today({"asOf": ""}) == datetime.now(UTC).date()
    assert today({}) == datetime.now(UTC).date()
