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
from policy.hhguard.expiry import now
from policy.hhguard.iam import allowed_arns
from policy.hhguard.iam_documents import (
    DocumentError,
    Kind,
    action_scope,
    arn_account,
    arn_wildcards,
    statements,
)
from policy.hhguard.limits import NAME_PREFIX
from policy.hhguard.naming import bucket_name_problems, name_problems
from policy.hhguard.runtimes import today
from policy.hhguard.values import UNKNOWN, NotAnInteger, bridge_int

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
    ("action", "scope"),
    [
        ("*", "all"),
        ("s3:*", "all"),
        ("S3:*", "all"),
        ("iam:**", "all"),
        ("lambda:*?", "all"),
        ("lambda:?*", "all"),
        ("*:GetObject", "all"),
        ("s?:GetObject", "all"),
        (" lambda:* ", "all"),
        ("s3:Get*", "partial"),
        ("iam:Pass*", "partial"),
        ("s3:*Object", "partial"),
        ("s3:??????", "partial"),
        ("logs:PutLogEvents", "exact"),
    ],
)
def test_action_scopes(action: str, scope: str) -> None:
    assert action_scope(action) == scope


@pytest.mark.parametrize(
    ("resource", "opened"),
    [
        ("*", ["everything"]),
        ("arn:aws:*:us-east-1:123456789012:x", ["service"]),
        ("arn:*:lambda:us-east-1:123456789012:function:x", ["service"]),
        ("arn:aws:logs:*:123456789012:log-group:x", ["region"]),
        ("arn:aws:logs:us-?ast-1:123456789012:log-group:x", ["region"]),
        ("arn:aws:lambda:us-east-1:*:function:x", ["account"]),
        ("arn:aws:lambda:us-east-1:123456789012:*", ["resource type"]),
        ("arn:aws:lambda:us-east-1:123456789012:func*:x", ["resource type"]),
        ("arn:aws:s3:::*", ["resource type"]),
        ("arn:aws:s3:::*/key", ["resource type"]),
        ("arn:aws:*:*:*:*", ["service", "region", "account", "resource type"]),
        ("arn:aws:s3:::honeyhive-*", []),
        ("arn:aws:s3:::bucket/*", []),
        ("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/honeyhive-*:*", []),
        ("arn:aws:iam::123456789012:role/honeyhive-*", []),
    ],
)
def test_arn_wildcards(resource: str, opened: list[str]) -> None:
    assert arn_wildcards(resource) == opened


def test_wildcard_arn_allowlist_fills_in_the_pinned_accounts() -> None:
    patterns = ["arn:aws:logs:*:{account}:log-group:x:*", "arn:aws:s3:::literal"]
    assert allowed_arns(patterns, ["111111111111", "222222222222"]) == {
        "arn:aws:logs:*:111111111111:log-group:x:*",
        "arn:aws:logs:*:222222222222:log-group:x:*",
        "arn:aws:s3:::literal",
    }
    assert allowed_arns(patterns, []) == {"arn:aws:s3:::literal"}


@pytest.mark.parametrize(
    ("value", "account"),
    [
        ("123456789012", "123456789012"),
        ("arn:aws:iam::123456789012:root", "123456789012"),
        ("arn:aws:iam::123456789012:role/x", "123456789012"),
        ("arn:aws:iam::*:root", None),
        ("someone", None),
    ],
)
def test_principal_accounts(value: str, account: str | None) -> None:
    assert arn_account(value) == account


LOGS = "arn:aws:logs:us-east-1:1:log-group:a"


def test_documents_as_string_object_and_single_statement() -> None:
    statement = {
        "Sid": "Logs",
        "Effect": "Allow",
        "Action": "logs:PutLogEvents",
        "Resource": [LOGS],
    }
    as_object = {"Version": "2012-10-17", "Statement": statement}
    for document in (as_object, json.dumps(as_object)):
        (parsed,) = statements(document) or []
        assert (parsed.label, parsed.allows, parsed.actions, parsed.resources) == (
            "statement 'Logs'",
            True,
            ("logs:PutLogEvents",),
            (LOGS,),
        )
    assert statements(None) is None
    assert statements({"Version": "2012-10-17", "Statement": [UNKNOWN]}) is None


@pytest.mark.parametrize(
    ("document", "kind", "fragment"),
    [
        ("nope", Kind.IDENTITY, "not JSON"),
        ("[]", Kind.IDENTITY, "expected a JSON object"),
        ('{"Version": "2012-10-17"}', Kind.IDENTITY, "has no Statement"),
        (42, Kind.IDENTITY, "expected a JSON object"),
        ('{"Statement": [], "Statement": []}', Kind.IDENTITY, "appears twice"),
        ({"Version": "2021-01-01", "Statement": []}, Kind.IDENTITY, "Version '2021-01-01'"),
        ({"Statement": [{"Effect": "Permit"}]}, Kind.IDENTITY, "Effect is 'Permit'"),
        ({"Statement": [{"Effect": "Allow", "Resource": LOGS}]}, Kind.IDENTITY, "Action or"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "PutLogEvents", "Resource": LOGS}]},
            Kind.IDENTITY,
            "'PutLogEvents' is not an action",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "logs:Put", "Resource": "log-group"}]},
            Kind.IDENTITY,
            "neither '*' nor an ARN",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:Get", "Resource": "*", "Extra": 1}]},
            Kind.IDENTITY,
            "unknown elements ['Extra']",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:Get", "Principal": "*"}]},
            Kind.IDENTITY,
            "needs exactly one of Resource or NotResource",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
            Kind.TRUST,
            "needs exactly one Principal",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"Robot": "x"},
                    }
                ]
            },
            Kind.TRUST,
            "type 'Robot'",
        ),
    ],
)
def test_documents_iam_would_refuse(document: object, kind: Kind, fragment: str) -> None:
    with pytest.raises(DocumentError) as raised:
        statements(document, kind)
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    ("value", "number"),
    [(None, None), (256, 256), (256.9, 256), ("10240", 10240), ("+10", 10), ("010", 10)],
)
def test_numbers_are_read_as_the_bridge_reads_them(value: object, number: int | None) -> None:
    assert bridge_int(value) == number


@pytest.mark.parametrize("value", ["10240.0", "1e4", " 1", "", True, [1]])
def test_numbers_the_provider_would_refuse(value: object) -> None:
    with pytest.raises(NotAnInteger):
        bridge_int(value)


def test_runtime_dates_are_judged_on_as_of_else_on_todays_date() -> None:
    assert today({"asOf": "2028-11-30"}) == date(2028, 11, 30)
    assert today({"asOf": ""}) == datetime.now(UTC).date()
    assert today({}) == datetime.now(UTC).date()


def test_expiries_are_judged_at_as_of_else_now() -> None:
    assert now({"asOf": "2026-11-29T12:00:00Z"}) == datetime(2026, 11, 29, 12, tzinfo=UTC)
    before = datetime.now(UTC)
    assert before <= now({"asOf": ""}) <= datetime.now(UTC)
