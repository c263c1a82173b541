"""The deployer role's policy: exactly what CI does, on `honeyhive-*` only.

CI runs, with this role: `pulumi preview/up/destroy` of the main program (per function a log
group, a role with one inline policy, the function; a layer version per runtime), the
post-deploy suite (invoke, read and update the function configuration to force cold starts,
read a profiled cold start's log lines back),
the TTL sweeper and the leak check, and (DIY backend) the Pulumi state in the state bucket.

Each action below carries the reason it is needed; that table is the documentation. Five
actions use `Resource: "*"` because AWS authorizes them on no resource at all: the Service
Authorization Reference lists no resource type for `lambda:ListFunctions`, `lambda:ListLayers`,
`lambda:ListLayerVersions`, `iam:ListRoles` and `logs:DescribeLogGroups`, and says "If there is
no value for this column (Resource types), you must specify all resources ("*")"; naming an ARN
for them makes linters and IAM Access Analyzer warn, and the call is allowed by "*" only.
`sts:GetCallerIdentity` needs no permission at all.

Roles get a permissions boundary (lambda_boundary.py). The two actions that can grant a role
permissions, `iam:CreateRole` and `iam:PutRolePolicy`, are allowed only with that boundary
(condition key `iam:PermissionsBoundary`: the boundary in the CreateRole request, the role's
boundary for PutRolePolicy); so whatever inline policy a workflow writes, the role can still
only write its log events. `iam:DeleteRolePolicy`/`DetachRolePolicy` accept the key too, but
they only take permissions away (the program's role policies hold no Deny whose removal could
widen a role); they stay unconditioned so that destroy and the sweeper can still remove roles
created before the boundary existed. `iam:PassRole`, `UpdateAssumeRolePolicy` and the tag
actions do not accept the key. Explicitly denied: removing or swapping a role's boundary, and
any new version or the deletion of the boundary policy itself.

Explicitly not granted: anything on other names, `lambda:AddPermission` (no resource policy,
no public invoke), function URLs, `iam:CreatePolicy`/`AttachRolePolicy` (the program only
writes inline policies), and every change to the deployer role itself and to the previewer role
(an explicit Deny, since `honeyhive-ci-deployer` and `honeyhive-ci-previewer` also match
`honeyhive-*`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bootstrap.lambda_boundary import boundary_arn
from bootstrap.settings import BootstrapSettings

DEPLOYER_ROLE = "honeyhive-ci-deployer"
DEPLOYER_POLICY = "honeyhive-ci-deployer"
PREVIEWER_ROLE = "honeyhive-ci-previewer"
"""The read-only role of pull requests (preview_policy.py); the deployer may not change it."""
DEPLOYER_SESSION_SECONDS = 75 * 60
"""The deployer role's MaxSessionDuration: deploy.yml's job timeout (75 minutes), so one session
(role-duration-seconds) outlasts the job; AWS's default of one hour expired mid-run."""
LAMBDA_SERVICE = "lambda.amazonaws.com"


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: Mapping[str, str]
    """action -> why CI needs it"""
    resources: tuple[str, ...]
    effect: str = "Allow"
    condition: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        statement: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": self.effect,
            "Action": sorted(self.actions),
            "Resource": list(self.resources) if len(self.resources) > 1 else self.resources[0],
        }
        if self.condition:
            statement["Condition"] = {op: dict(kv) for op, kv in self.condition.items()}
        return statement


_FUNCTION_ACTIONS = {
    "lambda:CreateFunction": "pulumi up creates each test function",
    "lambda:GetFunction": "the provider reads a function after create and on refresh; boto3's "
    "function_updated_v2 waiter in the post-deploy suite polls it",
    "lambda:GetFunctionConfiguration": "the post-deploy suite reads the configuration before "
    "forcing cold starts, to restore it afterwards",
    "lambda:GetFunctionCodeSigningConfig": "the provider reads the code signing config of a "
    "zip function on every read",
    "lambda:ListVersionsByFunction": "the provider reads the function's latest version on read",
    "lambda:UpdateFunctionCode": "pulumi up ships changed handler code",
    "lambda:UpdateFunctionConfiguration": "pulumi up changes memory/env/layers; the suite sets "
    "an env nonce to force each cold start and restores the configuration",
    "lambda:DeleteFunction": "pulumi destroy, and the sweeper deletes expired functions",
    "lambda:InvokeFunction": "the post-deploy suite and the benchmark invoke the functions",
    "lambda:ListTags": "the provider reads tags; the sweeper and leak check read honeyhive:* "
    "tags; AWS also requires it for GetFunction on a tagged function",
    "lambda:TagResource": "CreateFunction with tags (the provider's default_tags) and tag updates",
    "lambda:UntagResource": "tag updates that remove a tag",
    "lambda:PublishVersion": "with snapStart, pulumi up publishes each SDK function's version "
    "(publish=True), which Lambda snapshots",
    "lambda:CreateAlias": "with snapStart, pulumi up points the honeyhive-snapstart alias at the "
    "published version",
    "lambda:GetAlias": "the provider reads the alias after create and on refresh",
    "lambda:UpdateAlias": "with snapStart, pulumi up moves the alias to a newly published version",
    "lambda:DeleteAlias": "pulumi destroy removes the alias",
}
_LAYER_ACTIONS = {
    "lambda:PublishLayerVersion": "pulumi up publishes the SDK layer (a layer: ARN, not "
    "function:, which was the seed's bug)",
}
_LAYER_VERSION_ACTIONS = {
    "lambda:GetLayerVersion": "the provider reads the layer version; CreateFunction and "
    "UpdateFunctionConfiguration require it for each layer they attach",
    "lambda:DeleteLayerVersion": "pulumi destroy, and the sweeper deletes expired versions",
}
_LAMBDA_LIST_ACTIONS = {
    "lambda:ListFunctions": "the sweeper and leak check enumerate functions (no resource type: "
    'AWS only accepts Resource "*")',
    "lambda:ListLayers": "the sweeper and leak check enumerate layers (no resource type: AWS "
    'only accepts Resource "*")',
    "lambda:ListLayerVersions": "the sweeper and leak check read every version of a "
    'honeyhive-* layer (no resource type: AWS only accepts Resource "*")',
}
_PASS_ROLE_ACTIONS = {
    "iam:PassRole": "CreateFunction/UpdateFunctionConfiguration hand the function its execution "
    "role; only to Lambda (iam:PassedToService)",
}
_BOUNDED_ROLE_ACTIONS = {
    "iam:CreateRole": "pulumi up creates each function's execution role (only with the "
    "boundary: permissionsBoundary in the stack's config)",
    "iam:PutRolePolicy": "pulumi up writes the inline log policy (only on a role that carries "
    "the boundary, so no policy written can reach beyond it)",
}
_ROLE_ACTIONS = {
    "iam:GetRole": "the provider reads the role after create and on refresh",
    "iam:DeleteRole": "pulumi destroy, and the sweeper deletes expired roles",
    "iam:UpdateAssumeRolePolicy": "pulumi up applies a changed trust policy",
    "iam:TagRole": "CreateRole with tags (default_tags) and tag updates",
    "iam:UntagRole": "tag updates that remove a tag",
    "iam:ListRoleTags": "the sweeper and leak check read honeyhive:* tags",
    "iam:ListRolePolicies": "the provider reads inline policies of a role; the sweeper deletes "
    "them before the role",
    "iam:GetRolePolicy": "the provider reads the inline log policy",
    "iam:DeleteRolePolicy": "pulumi destroy and the sweeper delete the inline policy (no "
    "boundary condition: it only narrows a role, and roles from before the boundary must go too)",
    "iam:ListAttachedRolePolicies": "the provider reads managed_policy_arns; the sweeper "
    "detaches managed policies before deleting a role",
    "iam:DetachRolePolicy": "the sweeper detaches managed policies before deleting a role",
    "iam:ListInstanceProfilesForRole": "the provider removes instance profiles before DeleteRole",
}
_IAM_LIST_ACTIONS = {
    "iam:ListRoles": "the sweeper and leak check enumerate roles (no resource type: AWS only "
    'accepts Resource "*")',
}
_LOG_GROUP_ACTIONS = {
    "logs:CreateLogGroup": "pulumi up creates each function's log group before the function",
    "logs:PutRetentionPolicy": "pulumi up sets the retention (logRetentionDays)",
    "logs:DeleteRetentionPolicy": "the provider's update when retention goes back to 0 (never "
    "expire: the program accepts it, the policy pack refuses it)",
    "logs:DeleteLogGroup": "pulumi destroy, and the sweeper deletes expired log groups",
    "logs:TagResource": "CreateLogGroup with tags (default_tags) and tag updates",
    "logs:UntagResource": "tag updates that remove a tag",
    "logs:ListTagsForResource": "the provider, the sweeper and the leak check read tags",
    "logs:FilterLogEvents": "the post-deploy suite and the AWS benchmark read a profiled cold "
    "start's import-time lines from the function's own log group (an invoke's log tail holds "
    "only its last 4 KB); /aws/lambda/honeyhive-* is the narrowest a static deployer policy can "
    "name: every function's own log group matches it, and their exact names are only known per "
    "stack",
}
_LOG_LIST_ACTIONS = {
    "logs:DescribeLogGroups": "the provider reads a log group; the sweeper and leak check list "
    '/aws/lambda/honeyhive-* (no resource type: AWS only accepts Resource "*")',
}
_STATE_BUCKET_ACTIONS = {
    "s3:ListBucket": "the DIY backend lists stacks and checkpoints in the state bucket",
}
_STATE_OBJECT_ACTIONS = {
    "s3:GetObject": "the DIY backend reads stack checkpoints",
    "s3:PutObject": "the DIY backend writes checkpoints, history and locks",
    "s3:DeleteObject": "the DIY backend releases locks and `destroy --remove` deletes the stack",
}

_BOUNDARY_KEEPING_ACTIONS = {
    "iam:DeleteRolePermissionsBoundary": "a role's boundary may never be removed: without it "
    "the role could do whatever its inline policy says",
    "iam:PutRolePermissionsBoundary": "a role's boundary may never be swapped for a wider policy",
}
_BOUNDARY_POLICY_ACTIONS = {
    "iam:CreatePolicyVersion": "a new version could widen the boundary of every test role",
    "iam:SetDefaultPolicyVersion": "switching versions could widen the boundary of every test role",
    "iam:DeletePolicyVersion": "the boundary's versions are the admin's, not CI's",
    "iam:DeletePolicy": "the boundary is the admin's (bootstrap), not CI's",
}


def _self_protected_actions() -> dict[str, str]:
    """Every IAM write this policy allows, denied on the CI roles themselves."""
    writes = {**_PASS_ROLE_ACTIONS, **_BOUNDED_ROLE_ACTIONS, **_ROLE_ACTIONS}
    return {
        action: "no workflow may change, pass or delete the deployer or the previewer role"
        for action in writes
        if not action.startswith(("iam:Get", "iam:List"))
    }


def statements(settings: BootstrapSettings) -> list[Statement]:
    region, account = settings.region, settings.account_id
    lambda_arn = f"arn:aws:lambda:{region}:{account}"
    role_arn = f"arn:aws:iam::{account}:role"
    log_groups = f"arn:aws:logs:{region}:{account}:log-group"
    boundary = boundary_arn(account)
    found = [
        Statement("LambdaFunctions", _FUNCTION_ACTIONS, (f"{lambda_arn}:function:honeyhive-*",)),
        Statement("LambdaLayers", _LAYER_ACTIONS, (f"{lambda_arn}:layer:honeyhive-*",)),
        Statement(
            "LambdaLayerVersions", _LAYER_VERSION_ACTIONS, (f"{lambda_arn}:layer:honeyhive-*:*",)
        ),
        Statement("LambdaList", _LAMBDA_LIST_ACTIONS, ("*",)),
        Statement(
            "PassRolesToLambdaOnly",
            _PASS_ROLE_ACTIONS,
            (f"{role_arn}/honeyhive-*",),
            condition={"StringEquals": {"iam:PassedToService": LAMBDA_SERVICE}},
        ),
        Statement(
            "RolesOnlyWithTheBoundary",
            _BOUNDED_ROLE_ACTIONS,
            (f"{role_arn}/honeyhive-*",),
            condition={"StringEquals": {"iam:PermissionsBoundary": boundary}},
        ),
        Statement("Roles", _ROLE_ACTIONS, (f"{role_arn}/honeyhive-*",)),
        Statement("IamList", _IAM_LIST_ACTIONS, ("*",)),
        # Without the trailing `:*` the pattern also matches the group ARN that the tag
        # actions are authorized on.
        Statement("LogGroups", _LOG_GROUP_ACTIONS, (f"{log_groups}:/aws/lambda/honeyhive-*",)),
        Statement("LogGroupList", _LOG_LIST_ACTIONS, ("*",)),
    ]
    if settings.state_bucket:
        bucket = f"arn:aws:s3:::{settings.state_bucket}"
        found += [
            Statement("StateBucket", _STATE_BUCKET_ACTIONS, (bucket,)),
            Statement("StateObjects", _STATE_OBJECT_ACTIONS, (f"{bucket}/*",)),
        ]
    found += [
        Statement(
            "NeverTheCiRolesThemselves",
            _self_protected_actions(),
            (f"{role_arn}/{DEPLOYER_ROLE}", f"{role_arn}/{PREVIEWER_ROLE}"),
            effect="Deny",
        ),
        Statement(
            "RolesKeepTheirBoundary",
            _BOUNDARY_KEEPING_ACTIONS,
            (f"{role_arn}/honeyhive-*",),
            effect="Deny",
        ),
        Statement("NeverTheBoundaryPolicy", _BOUNDARY_POLICY_ACTIONS, (boundary,), effect="Deny"),
    ]
    return found


def policy_document(settings: BootstrapSettings) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [statement.document() for statement in statements(settings)],
    }
