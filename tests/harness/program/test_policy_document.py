"""`aws.iam.get_policy_document` offline, against terraform-provider-aws's own acceptance vectors
(internal/service/iam/policy_document_data_source_test.go; since provider v5 an empty Sid is
left out, so the vectors' `"Sid": ""` lines are dropped here)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.program.policy_document import PolicyDocumentError, render_policy_document


def render(args: dict[str, Any]) -> dict[str, Any]:
    return render_policy_document(args)


def statements(args: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(render(args)["json"])["Statement"]
    return found


BASIC = {
    "policyId": "policy_id",
    "statements": [
        {
            "sid": "1",
            "actions": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
            "resources": ["arn:aws:s3:::*"],
        },
        {
            "actions": ["s3:ListBucket"],
            "resources": ["arn:aws:s3:::foo"],
            "conditions": [
                {
                    "test": "StringLike",
                    "variable": "s3:prefix",
                    "values": ["home/", "", "home/&{aws:username}/"],
                }
            ],
            "notPrincipals": [{"type": "AWS", "identifiers": ["arn:blahblah:example"]}],
        },
        {
            "actions": ["s3:*"],
            "resources": [
                "arn:aws:s3:::foo/home/&{aws:username}",
                "arn:aws:s3:::foo/home/&{aws:username}/*",
            ],
            "principals": [{"type": "AWS", "identifiers": ["arn:blahblah:example"]}],
        },
        {"effect": "Deny", "notActions": ["s3:*"], "notResources": ["arn:aws:s3:::*"]},
        {
            "effect": "Allow",
            "actions": ["kinesis:*"],
            "principals": [{"type": "AWS", "identifiers": ["*"]}],
        },
        {
            "effect": "Allow",
            "actions": ["firehose:*"],
            "principals": [{"type": "*", "identifiers": ["*"]}],
        },
    ],
}
BASIC_MINIFIED = (
    '{"Version":"2012-10-17","Id":"policy_id","Statement":['
    '{"Sid":"1","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],'
    '"Resource":"arn:aws:s3:::*"},'
    '{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::foo",'
    '"NotPrincipal":{"AWS":"arn:blahblah:example"},'
    '"Condition":{"StringLike":{"s3:prefix":["home/","","home/${aws:username}/"]}}},'
    '{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::foo/home/${aws:username}/*",'
    '"arn:aws:s3:::foo/home/${aws:username}"],"Principal":{"AWS":"arn:blahblah:example"}},'
    '{"Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::*"},'
    '{"Effect":"Allow","Action":"kinesis:*","Principal":{"AWS":"*"}},'
    '{"Effect":"Allow","Action":"firehose:*","Principal":"*"}]}'
)


def test_the_basic_vector_byte_for_byte() -> None:
    result = render(BASIC)
    assert result["minifiedJson"] == BASIC_MINIFIED
    assert result["json"] == json.dumps(json.loads(BASIC_MINIFIED), indent=2)
    assert result["json"].startswith('{\n  "Version": "2012-10-17",\n  "Id": "policy_id",\n')


def test_the_id_is_the_crc32_of_the_json_and_inputs_are_echoed() -> None:
    trust = {
        "statements": [
            {
                "actions": ["sts:AssumeRole"],
                "principals": [{"identifiers": ["lambda.amazonaws.com"], "type": "Service"}],
            }
        ]
    }
    result = render(trust)
    assert result["minifiedJson"] == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
        '"Principal":{"Service":"lambda.amazonaws.com"}}]}'
    )
    assert result["id"] == "2690255455"
    assert result["statements"] == trust["statements"]


def _principal_blocks(partition: str) -> list[dict[str, Any]]:
    def root(account: str) -> str:
        return f"arn:{partition}:iam::{account * 12}:root"

    return [
        {"type": "AWS", "identifiers": [root("1"), root("2")]},
        {"type": "AWS", "identifiers": [root("3")]},
        {"type": "AWS", "identifiers": [root("4")]},
    ]


@pytest.mark.parametrize(
    ("partition", "order"),
    [("aws", ["3", "4", "2", "1"]), ("aws-us-gov", ["3", "2", "1", "4"])],
)
def test_principal_blocks_merge_in_terraform_set_order(partition: str, order: list[str]) -> None:
    """multiplePrincipals / multiplePrincipalsGov: the order follows the blocks' set hashes."""
    args = {
        "statements": [
            {
                "sid": "S",
                "actions": ["*"],
                "resources": ["*"],
                "principals": _principal_blocks(partition),
            }
        ]
    }
    (statement,) = statements(args)
    assert [arn.split("::")[1][0] for arn in statement["Principal"]["AWS"]] == order


def test_a_string_principal_then_a_list() -> None:
    """stringAndSlice: [111] and [222, 333] render as 111, 333, 222."""
    blocks = [
        {"type": "AWS", "identifiers": ["arn:aws:iam::111111111111:root"]},
        {
            "type": "AWS",
            "identifiers": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"],
        },
    ]
    (statement,) = statements(
        {"statements": [{"actions": ["*"], "resources": ["*"], "principals": blocks}]}
    )
    assert [arn.split("::")[1][:3] for arn in statement["Principal"]["AWS"]] == [
        "111",
        "333",
        "222",
    ]


def test_conditions_sort_tests_and_keys_but_keep_values_in_order() -> None:
    """multipleConditionKeys."""
    args = {
        "statements": [
            {
                "actions": ["kms:Decrypt", "kms:GenerateDataKey"],
                "resources": ["*"],
                "conditions": [
                    {
                        "test": "ForAnyValue:StringEquals",
                        "variable": "kms:EncryptionContext:service",
                        "values": ["pi"],
                    },
                    {
                        "test": "ForAnyValue:StringEquals",
                        "variable": "kms:EncryptionContext:aws:pi:service",
                        "values": ["rds"],
                    },
                ],
            }
        ]
    }
    minified = render(args)["minifiedJson"]
    assert '"Action":["kms:GenerateDataKey","kms:Decrypt"]' in minified
    assert (
        '"Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContext:aws:pi:service":"rds",'
        '"kms:EncryptionContext:service":"pi"}}'
    ) in minified


def _doc(*items: dict[str, Any]) -> str:
    return str(render({"statements": list(items)})["json"])


def test_source_documents_merge_in_order() -> None:
    """sourceList."""
    policy_a = _doc(
        {"sid": "", "effect": "Allow", "actions": ["foo:ActionOne"]},
        {"sid": "validSidOne", "effect": "Allow", "actions": ["bar:ActionOne"]},
    )
    policy_b = _doc({"sid": "validSidTwo", "effect": "Deny", "actions": ["foo:ActionTwo"]})
    policy_c = _doc({"sid": "", "effect": "Allow", "actions": ["bar:ActionTwo"]})
    found = statements(
        {"version": "2012-10-17", "sourcePolicyDocuments": [policy_a, policy_b, policy_c]}
    )
    assert found == [
        {"Effect": "Allow", "Action": "foo:ActionOne"},
        {"Sid": "validSidOne", "Effect": "Allow", "Action": "bar:ActionOne"},
        {"Sid": "validSidTwo", "Effect": "Deny", "Action": "foo:ActionTwo"},
        {"Effect": "Allow", "Action": "bar:ActionTwo"},
    ]


def test_a_duplicate_sid_across_source_documents_is_refused() -> None:
    """sourceListConflicting."""
    policy_a = _doc({"sid": "conflictSid", "actions": ["bar:ActionOne"]})
    policy_c = _doc({"sid": "conflictSid", "actions": ["bar:ActionTwo"]})
    with pytest.raises(PolicyDocumentError, match=r"duplicate Sid \(conflictSid\)"):
        render({"sourcePolicyDocuments": [policy_a, policy_c]})


def test_override_documents_replace_statements_by_sid() -> None:
    """overrideList."""
    policy_a = _doc(
        {"sid": "", "effect": "Allow", "actions": ["foo:ActionOne"]},
        {"sid": "overrideSid", "effect": "Allow", "actions": ["bar:ActionOne"]},
    )
    policy_b = _doc({"sid": "validSid", "effect": "Deny", "actions": ["foo:ActionTwo"]})
    policy_c = _doc({"sid": "overrideSid", "effect": "Deny", "actions": ["bar:ActionOne"]})
    found = statements({"overridePolicyDocuments": [policy_a, policy_b, policy_c]})
    assert found == [
        {"Effect": "Allow", "Action": "foo:ActionOne"},
        {"Sid": "overrideSid", "Effect": "Deny", "Action": "bar:ActionOne"},
        {"Sid": "validSid", "Effect": "Deny", "Action": "foo:ActionTwo"},
    ]


def test_source_and_override_without_statements() -> None:
    """noStatementMerge and noStatementOverride."""
    source = _doc({"sid": "", "actions": ["ec2:DescribeAccountAttributes"], "resources": ["*"]})
    placeholder = _doc(
        {"sid": "OverridePlaceholder", "actions": ["s3:GetObject"], "resources": ["*"]}
    )
    merged = statements(
        {"sourcePolicyDocuments": [source], "overridePolicyDocuments": [placeholder]}
    )
    assert [s.get("Sid", "") for s in merged] == ["", "OverridePlaceholder"]
    same_sid = _doc(
        {
            "sid": "OverridePlaceholder",
            "actions": ["ec2:DescribeAccountAttributes"],
            "resources": ["*"],
        }
    )
    overridden = statements(
        {"sourcePolicyDocuments": [same_sid], "overridePolicyDocuments": [placeholder]}
    )
    assert overridden == [
        {"Sid": "OverridePlaceholder", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    ]


def test_an_empty_source_document_leaves_only_the_version() -> None:
    """emptyString: an empty list element reads back as nothing."""
    assert render({"sourcePolicyDocuments": [""]})["json"] == '{\n  "Version": "2012-10-17"\n}'


def test_html_characters_are_escaped_as_go_does() -> None:
    document = render(
        {"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::a<b>&c/*"]}]}
    )
    assert "arn:aws:s3:::a\\u003cb\\u003e\\u0026c/*" in document["minifiedJson"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"version": "2020-01-01"}, "expected version to be one of"),
        ({"statements": [{"sid": "a b", "actions": ["s3:GetObject"]}]}, "invalid sid 'a b'"),
        ({"statements": [{"effect": "Permit", "actions": ["s3:GetObject"]}]}, "expected effect"),
        (
            {"statements": [{"sid": "1", "actions": ["a:b"]}, {"sid": "1", "actions": ["a:c"]}]},
            "duplicate Sid (1)",
        ),
        (
            {
                "version": "2008-10-17",
                "statements": [{"resources": ["arn:aws:s3:::&{aws:username}"]}],
            },
            "not supported in document version 2008-10-17",
        ),
        ({"sourcePolicyDocuments": ["{not json"]}, "is not JSON"),
        ({"sourceJson": "{}"}, "sourceJson is not rendered offline"),
        (
            {"sourcePolicyDocuments": ['{"Statement": [{"Principal": "arn:aws:iam::1:root"}]}']},
            'must be "*" or an object',
        ),
    ],
)
def test_what_the_provider_refuses(args: dict[str, Any], fragment: str) -> None:
    with pytest.raises(PolicyDocumentError) as raised:
        render(args)
    assert fragment in str(raised.value)
