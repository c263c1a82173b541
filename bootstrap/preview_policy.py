"""The previewer role's policy: read-only, and nothing that can read the HoneyHive key.

Pull requests of this repository run `pulumi preview` with this role (pr.yml), never with the
deployer: a pull request's code runs in that job, so whatever the role allows, the pull
request may do. A preview of the throwaway stack the job creates (state on the runner, no
resources) makes no AWS call beyond `sts:GetCallerIdentity`, which needs no permission; the
reads below are what a preview of a stack that holds resources refreshes (layer versions,
roles, log groups), so the role stays useful for previewing an existing stack by hand.

Never granted (NEVER_GRANTED, pinned by the tests): any write, and every read that returns a
function's configuration or output. `lambda:GetFunction`, `GetFunctionConfiguration`,
`ListFunctions` and `ListVersionsByFunction` return the function's environment, where the
deployed SDK functions hold the HoneyHive key; the log reads return what the functions printed;
and no statement names the state bucket (the preview's state stays on the runner).
"""

from __future__ import annotations

from bootstrap.deployer_policy import PREVIEWER_ROLE, Statement
from bootstrap.settings import BootstrapSettings

__all__ = ["NEVER_GRANTED", "PREVIEWER_POLICY", "PREVIEWER_ROLE", "preview_policy_document"]

PREVIEWER_POLICY = "honeyhive-ci-previewer"

NEVER_GRANTED = frozenset(
    {
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:ListFunctions",
        "lambda:ListVersionsByFunction",
        "lambda:InvokeFunction",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "logs:StartQuery",
        "s3:GetObject",
    }
)
"""Reads that return a function's environment (the key), its answers or its logs, or state."""

_LAYER_READS = {
    "lambda:GetLayerVersion": "refreshing a stack's layer versions (their content is the SDK "
    "and its pinned dependencies)",
}
_LIST_READS = {
    "lambda:ListLayers": 'refresh finds a stack\'s layers (no resource type: only "*")',
    "lambda:ListLayerVersions": 'refresh reads a layer\'s versions (no resource type: only "*")',
    "lambda:GetAccountSettings": 'the provider may read the account\'s limits (only "*")',
    "logs:DescribeLogGroups": 'refreshing a log group (no resource type: only "*")',
}
_ROLE_READS = {
    "iam:GetRole": "refreshing a function's role (its trust policy)",
    "iam:ListRolePolicies": "refreshing a role's inline policies",
    "iam:GetRolePolicy": "refreshing the inline log policy",
    "iam:ListAttachedRolePolicies": "refreshing a role's managed_policy_arns",
    "iam:ListRoleTags": "refreshing a role's tags",
}
_LOG_GROUP_READS = {
    "logs:ListTagsForResource": "refreshing a log group's tags",
}


def preview_statements(settings: BootstrapSettings) -> list[Statement]:
    region, account = settings.region, settings.account_id
    lambda_arn = f"arn:aws:lambda:{region}:{account}"
    return [
        Statement("LayerVersionReads", _LAYER_READS, (f"{lambda_arn}:layer:honeyhive-*:*",)),
        Statement("ListReads", _LIST_READS, ("*",)),
        Statement("RoleReads", _ROLE_READS, (f"arn:aws:iam::{account}:role/honeyhive-*",)),
        Statement(
            "LogGroupReads",
            _LOG_GROUP_READS,
            (f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/honeyhive-*",),
        ),
    ]


def preview_policy_document(settings: BootstrapSettings) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [statement.document() for statement in preview_statements(settings)],
    }
