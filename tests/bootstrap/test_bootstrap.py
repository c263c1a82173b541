"""The bootstrap program under Pulumi's mocks: what it declares, who may assume the deployer
role, and every statement of the deployer policy, action by action."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pytest
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, rpc
from pulumi.runtime.mocks import MockMonitor

from bootstrap.deployer_policy import statements
from bootstrap.preview_policy import NEVER_GRANTED
from bootstrap.settings import PROJECT, ConfigError, parse
from bootstrap.stack import build
from harness.program.errors import ProgramRefused
from harness.program.render import render
from infra.spec import REPO_ROOT

ACCOUNT = "210987654321"
REGION = "eu-central-1"
BUCKET = "honeyhive-lambda-test-state"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
IDS = {"githubRepositoryIds": "123456/789012"}
NAME_ONLY_CONFIG = {
    "githubRepository": "octo-org/octo-repo",
    "accountId": ACCOUNT,
    "region": REGION,
    "nameOnlySubjects": "true",
}
"""The admin's explicit opt-in: no ids, only the name-only subject is trusted."""
BASE = {"githubRepository": "octo-org/octo-repo", "accountId": ACCOUNT, "region": REGION, **IDS}
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/honeyhive-lambda-boundary"


class _Mocks(Mocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        arns = {
            "aws:iam/role:Role": f"arn:aws:iam::{ACCOUNT}:role/{args.inputs.get('name')}",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (
                f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
            ),
            # IAM's ARN of a managed policy without a path.
            "aws:iam/policy:Policy": f"arn:aws:iam::{ACCOUNT}:policy/{args.inputs.get('name')}",
        }
        state = dict(args.inputs)
        if args.typ in arns:
            state["arn"] = arns[args.typ]
        return f"{args.name}-id", state

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], None]:
        raise AssertionError(f"the bootstrap makes no provider calls, got {args.token}")


@dataclass
class Declared:
    type: str
    name: str
    inputs: dict[str, Any]
    protect: bool
    provider: str


class _Capture(MockMonitor):
    def __init__(self) -> None:
        super().__init__(_Mocks())
        self.declared: list[Declared] = []
        self.outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object)
            self.declared.append(
                Declared(request.type, request.name, inputs, request.protect, request.provider)
            )
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


def run(config: Mapping[str, str]) -> _Capture:
    monitor = _Capture()
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack="prod", preview=False, monitor=monitor
    )
    pulumi.runtime.set_all_config({f"{PROJECT}:{k}": v for k, v in config.items()})

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[None]:
        outputs = pulumi.Output.from_input(build(parse("prod", config)))
        return outputs.apply(monitor.outputs.update)

    program()
    return monitor


@pytest.fixture(scope="module")
def diy() -> Iterator[_Capture]:
    yield run({**BASE, "stateBucket": BUCKET})


def one(capture: _Capture, type_: str, name: str | None = None) -> Declared:
    found = [d for d in capture.declared if d.type == type_ and name in (None, d.name)]
    assert len(found) == 1, [d.type for d in capture.declared]
    return found[0]


def document(declared: Declared, key: str) -> dict[str, Any]:
    value = declared.inputs[key]
    parsed: dict[str, Any] = json.loads(value)
    return parsed


# --- the resource set ----------------------------------------------------------------------

DIY_RESOURCES = [
    ("pulumi:providers:aws", "bootstrap"),
    ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-actions"),
    ("honeyhive:bootstrap:StateBucket", "state"),
    ("aws:s3/bucket:Bucket", "state"),
    ("aws:s3/bucketVersioning:BucketVersioning", "state"),
    (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "state",
    ),
    ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state"),
    ("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "state"),
    ("aws:iam/policy:Policy", "lambda-boundary"),
    ("aws:iam/role:Role", "deployer"),
    ("aws:iam/rolePolicy:RolePolicy", "deployer"),
    ("aws:iam/role:Role", "previewer"),
    ("aws:iam/rolePolicy:RolePolicy", "previewer"),
]


def test_the_diy_resource_set(diy: _Capture) -> None:
    assert sorted((d.type, d.name) for d in diy.declared) == sorted(DIY_RESOURCES)


def test_pulumi_cloud_backend_has_no_bucket_and_no_s3_grants() -> None:
    capture = run(BASE)
    assert not [d for d in capture.declared if "s3" in d.type or "StateBucket" in d.type]
    policy = document(one(capture, "aws:iam/rolePolicy:RolePolicy", "deployer"), "policy")
    assert not [a for s in policy["Statement"] for a in s["Action"] if a.startswith("s3:")]
    assert capture.outputs["backendUrl"] is None


def test_an_existing_oidc_provider_is_referenced_not_created() -> None:
    capture = run({**BASE, "createOidcProvider": "false"})
    assert not [d for d in capture.declared if "openIdConnectProvider" in d.type]
    trust = document(one(capture, "aws:iam/role:Role", "deployer"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {
        "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    }


def test_every_resource_goes_through_the_pinned_provider(diy: _Capture) -> None:
    provider = one(diy, "pulumi:providers:aws")
    assert provider.inputs["region"] == REGION
    assert json.loads(provider.inputs["allowedAccountIds"]) == [ACCOUNT]
    assert json.loads(provider.inputs["defaultTags"]) == {
        "tags": {
            "honeyhive:stack": "bootstrap-prod",
            "honeyhive:branch": "unset",
            "honeyhive:expires-at": "never",
            "honeyhive:managed-by": "pulumi",
        }
    }
    for declared in diy.declared:
        if declared.type.startswith("aws:"):
            assert "pulumi:providers:aws::bootstrap::" in declared.provider, declared


def test_outputs(diy: _Capture) -> None:
    assert diy.outputs == {
        "deployerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/honeyhive-ci-deployer",
        "previewerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/honeyhive-ci-previewer",
        "lambdaBoundaryArn": BOUNDARY_ARN,
        "oidcProviderArn": OIDC_ARN,
        "region": REGION,
        "stateBucket": BUCKET,
        "backendUrl": f"s3://{BUCKET}?region={REGION}",
    }


# --- who may assume the role ---------------------------------------------------------------


def test_oidc_provider(diy: _Capture) -> None:
    oidc = one(diy, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]


def test_deployer_trust_policy_only_this_repositorys_branches() -> None:
    role = one(run(NAME_ONLY_CONFIG), "aws:iam/role:Role", "deployer")
    assert role.inputs["name"] == "honeyhive-ci-deployer"
    assert role.inputs["maxSessionDuration"] == 75 * 60
    assert document(role, "assumeRolePolicy") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GitHubActionsOfThisRepository",
                "Effect": "Allow",
                "Principal": {
                    "Federated": (
                        f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
                    )
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {
                        "token.actions.githubusercontent.com:sub": [
                            "repo:octo-org/octo-repo:ref:refs/heads/*",
                        ]
                    },
                },
            }
        ],
    }


def test_with_the_ids_both_subject_forms_are_trusted() -> None:
    capture = run({**BASE, "githubRepositoryIds": "123456/789012"})
    trust = document(one(capture, "aws:iam/role:Role", "deployer"), "assumeRolePolicy")
    assert trust["Statement"][0]["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": [
            "repo:octo-org/octo-repo:ref:refs/heads/*",
            "repo:octo-org@123456/octo-repo@789012:ref:refs/heads/*",
        ]
    }
    preview = document(one(capture, "aws:iam/role:Role", "previewer"), "assumeRolePolicy")
    (statement,) = preview["Statement"]
    assert statement["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": [
            "repo:octo-org/octo-repo:pull_request",
            "repo:octo-org@123456/octo-repo@789012:pull_request",
        ]
    }


def string_like(pattern: str, value: str) -> bool:
    """IAM's StringLike: `*` matches any run of characters, `?` one; case-sensitive."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


def assumable_by(capture: _Capture, claims: dict[str, str], role: str = "deployer") -> bool:
    """Whether `role`'s trust policy lets a token with these claims assume it."""
    trust = document(one(capture, "aws:iam/role:Role", role), "assumeRolePolicy")
    statements = trust["Statement"]

    def allows(statement: dict[str, Any]) -> bool:
        condition = statement["Condition"]
        equals = all(claims.get(k) == v for k, v in condition["StringEquals"].items())
        like = all(
            any(string_like(p, claims.get(k, "")) for p in ([v] if isinstance(v, str) else v))
            for k, v in condition["StringLike"].items()
        )
        return statement["Effect"] == "Allow" and equals and like

    return any(allows(statement) for statement in statements)


# What GitHub puts in `sub` for each event (docs: OpenID Connect reference, "Example subject
# claims"; schedule runs on the default branch, workflow_dispatch on the branch it was run on).
EVENTS = {
    "push": "ref:refs/heads/feature/login",
    "pull_request": "pull_request",
    "schedule": "ref:refs/heads/main",
    "workflow_dispatch": "ref:refs/heads/release-1.8",
}
NAME_ONLY = "repo:octo-org/octo-repo"
WITH_IDS = "repo:octo-org@123456/octo-repo@789012"


def token(subject: str) -> dict[str, str]:
    return {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": subject,
    }


@pytest.mark.parametrize("event", EVENTS)
def test_each_workflow_event_may_assume_its_role_in_both_subject_forms(event: str) -> None:
    """Branches get the deployer, pull requests the read-only previewer, never the other."""
    role, other = (
        ("previewer", "deployer") if event == "pull_request" else ("deployer", "previewer")
    )
    with_ids = run(BASE)
    without_ids = run(NAME_ONLY_CONFIG)
    assert assumable_by(with_ids, token(f"{WITH_IDS}:{EVENTS[event]}"), role)
    assert assumable_by(with_ids, token(f"{NAME_ONLY}:{EVENTS[event]}"), role)
    assert assumable_by(without_ids, token(f"{NAME_ONLY}:{EVENTS[event]}"), role)
    assert not assumable_by(without_ids, token(f"{WITH_IDS}:{EVENTS[event]}"), role), (
        "ids nobody configured are not guessed"
    )
    for capture in (with_ids, without_ids):
        for form in (WITH_IDS, NAME_ONLY):
            assert not assumable_by(capture, token(f"{form}:{EVENTS[event]}"), other)


def test_without_ids_or_the_opt_in_the_bootstrap_is_refused() -> None:
    """A repository created or renamed on or after 2026-07-15 sends only the id form: a
    name-only trust would fail its first deploy, so the ids (or the opt-in) are required."""
    config = {k: v for k, v in BASE.items() if k != "githubRepositoryIds"}
    with pytest.raises(ConfigError) as error:
        parse("prod", {**config, "sdkRepository": "octo-org/python-sdk"})
    message = str(error.value)
    for key, slug in (("githubRepositoryIds", "octo-org/octo-repo"),
                      ("sdkRepositoryIds", "octo-org/python-sdk")):  # fmt: skip
        assert f"{key} is not set" in message
        assert f"gh api repos/{slug} --jq '.owner.id, .id'" in message
    assert "pulumi config set nameOnlySubjects true" in message
    opted_in = parse("prod", {**config, "nameOnlySubjects": "true"})
    assert opted_in.repository.ids is None and opted_in.name_only_subjects
    assert parse("prod", BASE).repository.ids == ("123456", "789012")


@pytest.mark.parametrize(
    "subject",
    [
        f"{WITH_IDS}:ref:refs/tags/v1.8.0",
        f"{WITH_IDS}:environment:production",
        "repo:octo-org@999999/octo-repo@789012:ref:refs/heads/main",
        "repo:octo-org@123456/other-repo@789012:pull_request",
        "repo:octo-org/octo-repo-fork:ref:refs/heads/main",
        "repo:evil/octo-repo:pull_request",
    ],
)
def test_other_repositories_ids_tags_and_environments_may_not(subject: str) -> None:
    with_ids = run({**BASE, "githubRepositoryIds": "123456/789012"})
    assert not assumable_by(with_ids, token(subject))


SDK = {"sdkRepository": "octo-org/python-sdk", "sdkRepositoryIds": "123456/424242"}
OUR_DEPLOY = "job_workflow_ref:octo-org/octo-repo/.github/workflows/deploy.yml"


@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("form", ["octo-org/python-sdk", "octo-org@123456/python-sdk@424242"])
@pytest.mark.parametrize("at", ["refs/heads/main", "refs/tags/v2", "0" * 40])
def test_the_sdk_repository_may_through_our_deploy_workflow(event: str, form: str, at: str) -> None:
    capture = run({**BASE, **SDK})
    assert assumable_by(capture, token(f"repo:{form}:{EVENTS[event]}:{OUR_DEPLOY}@{at}"))


@pytest.mark.parametrize(
    "subject",
    [
        # its own workflows, with the default subject or calling anything else
        "repo:octo-org/python-sdk:ref:refs/heads/main",
        "repo:octo-org/python-sdk:pull_request",
        "repo:octo-org/python-sdk:ref:refs/heads/main:job_workflow_ref:"
        "octo-org/python-sdk/.github/workflows/deploy.yml@refs/heads/main",
        "repo:octo-org/python-sdk:ref:refs/heads/main:job_workflow_ref:"
        "octo-org/octo-repo/.github/workflows/scheduled.yml@refs/heads/main",
        "repo:octo-org/python-sdk:ref:refs/heads/main:job_workflow_ref:"
        "evil/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
        # another repository calling our deploy workflow, or the SDK with unconfigured ids
        f"repo:evil/python-sdk:ref:refs/heads/main:{OUR_DEPLOY}@refs/heads/main",
        f"repo:octo-org@123456/python-sdk@999999:pull_request:{OUR_DEPLOY}@refs/heads/main",
    ],
)
def test_the_sdk_repository_may_not_otherwise(subject: str) -> None:
    capture = run({**BASE, **SDK})
    assert not assumable_by(capture, token(subject))
    assert not assumable_by(capture, token(subject), "previewer")


def test_without_sdk_repository_no_caller_is_trusted() -> None:
    subject = f"repo:octo-org/python-sdk:ref:refs/heads/main:{OUR_DEPLOY}@refs/heads/main"
    capture = run(BASE)
    assert not assumable_by(capture, token(subject), "previewer")
    assert not assumable_by(capture, token(subject))
    statements = document(one(capture, "aws:iam/role:Role", "deployer"), "assumeRolePolicy")[
        "Statement"
    ]
    assert [s["Sid"] for s in statements] == ["GitHubActionsOfThisRepository"]


def test_only_sts_is_the_audience() -> None:
    capture = run(BASE)
    for role, ref in (("deployer", EVENTS["push"]), ("previewer", EVENTS["pull_request"])):
        claims = {**token(f"{NAME_ONLY}:{ref}")}
        assert assumable_by(capture, claims, role)
        claims["token.actions.githubusercontent.com:aud"] = "https://github.com/octo-org"
        assert not assumable_by(capture, claims, role)


# --- the deployer policy, statement by statement -------------------------------------------

L = f"arn:aws:lambda:{REGION}:{ACCOUNT}"
EXPECTED_STATEMENTS: dict[str, tuple[str, list[str], list[str], dict[str, Any] | None]] = {
    "LambdaFunctions": (
        "Allow",
        [
            "lambda:CreateAlias",
            "lambda:CreateFunction",
            "lambda:DeleteAlias",
            "lambda:DeleteFunction",
            "lambda:GetAlias",
            "lambda:GetFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:GetFunctionConfiguration",
            "lambda:InvokeFunction",
            "lambda:ListTags",
            "lambda:ListVersionsByFunction",
            "lambda:PublishVersion",
            "lambda:TagResource",
            "lambda:UntagResource",
            "lambda:UpdateAlias",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
        ],
        [f"{L}:function:honeyhive-*"],
        None,
    ),
    "LambdaLayers": (
        "Allow",
        ["lambda:PublishLayerVersion"],
        [f"{L}:layer:honeyhive-*"],
        None,
    ),
    "LambdaLayerVersions": (
        "Allow",
        ["lambda:DeleteLayerVersion", "lambda:GetLayerVersion"],
        [f"{L}:layer:honeyhive-*:*"],
        None,
    ),
    "LambdaList": (
        "Allow",
        ["lambda:ListFunctions", "lambda:ListLayerVersions", "lambda:ListLayers"],
        ["*"],
        None,
    ),
    "PassRolesToLambdaOnly": (
        "Allow",
        ["iam:PassRole"],
        [f"arn:aws:iam::{ACCOUNT}:role/honeyhive-*"],
        {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    ),
    "RolesOnlyWithTheBoundary": (
        "Allow",
        ["iam:CreateRole", "iam:PutRolePolicy"],
        [f"arn:aws:iam::{ACCOUNT}:role/honeyhive-*"],
        {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}},
    ),
    "Roles": (
        "Allow",
        [
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:ListRolePolicies",
            "iam:ListRoleTags",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
        ],
        [f"arn:aws:iam::{ACCOUNT}:role/honeyhive-*"],
        None,
    ),
    "IamList": ("Allow", ["iam:ListRoles"], ["*"], None),
    "LogGroups": (
        "Allow",
        [
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:DeleteRetentionPolicy",
            "logs:FilterLogEvents",
            "logs:ListTagsForResource",
            "logs:PutRetentionPolicy",
            "logs:TagResource",
            "logs:UntagResource",
        ],
        [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/honeyhive-*"],
        None,
    ),
    "LogGroupList": (
        "Allow",
        ["logs:DescribeLogGroups"],
        ["*"],
        None,
    ),
    "StateBucket": ("Allow", ["s3:ListBucket"], [f"arn:aws:s3:::{BUCKET}"], None),
    "StateObjects": (
        "Allow",
        ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        [f"arn:aws:s3:::{BUCKET}/*"],
        None,
    ),
    "NeverTheCiRolesThemselves": (
        "Deny",
        [
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PassRole",
            "iam:PutRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
        ],
        [
            f"arn:aws:iam::{ACCOUNT}:role/honeyhive-ci-deployer",
            f"arn:aws:iam::{ACCOUNT}:role/honeyhive-ci-previewer",
        ],
        None,
    ),
    "RolesKeepTheirBoundary": (
        "Deny",
        ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"],
        [f"arn:aws:iam::{ACCOUNT}:role/honeyhive-*"],
        None,
    ),
    "NeverTheBoundaryPolicy": (
        "Deny",
        [
            "iam:CreatePolicyVersion",
            "iam:DeletePolicy",
            "iam:DeletePolicyVersion",
            "iam:SetDefaultPolicyVersion",
        ],
        [BOUNDARY_ARN],
        None,
    ),
}


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_every_deployer_statement_exactly(diy: _Capture) -> None:
    policy_resource = one(diy, "aws:iam/rolePolicy:RolePolicy", "deployer")
    assert policy_resource.inputs["name"] == "honeyhive-ci-deployer"
    assert policy_resource.inputs["role"] == "deployer-id"
    policy = document(policy_resource, "policy")
    assert policy["Version"] == "2012-10-17"
    parsed = {
        s["Sid"]: (
            s["Effect"],
            sorted(_as_list(s["Action"])),
            sorted(_as_list(s["Resource"])),
            s.get("Condition"),
        )
        for s in policy["Statement"]
    }
    assert len(parsed) == len(policy["Statement"]), "duplicate Sid"
    assert parsed == {
        sid: (e, sorted(a), sorted(r), c) for sid, (e, a, r, c) in EXPECTED_STATEMENTS.items()
    }
    for statement in policy["Statement"]:
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}


def test_the_seed_bug_is_gone_layers_are_published_on_layer_arns(diy: _Capture) -> None:
    policy = document(one(diy, "aws:iam/rolePolicy:RolePolicy", "deployer"), "policy")
    for statement in policy["Statement"]:
        if "lambda:PublishLayerVersion" in _as_list(statement["Action"]):
            assert all(":layer:" in r for r in _as_list(statement["Resource"]))


def test_wildcard_resources_only_for_actions_without_resource_types(diy: _Capture) -> None:
    policy = document(one(diy, "aws:iam/rolePolicy:RolePolicy", "deployer"), "policy")
    on_star = {
        action
        for s in policy["Statement"]
        if "*" in _as_list(s["Resource"])
        for action in _as_list(s["Action"])
    }
    # The Service Authorization Reference lists no resource type for exactly these.
    assert on_star == {
        "lambda:ListFunctions",
        "lambda:ListLayers",
        "lambda:ListLayerVersions",
        "iam:ListRoles",
        "logs:DescribeLogGroups",
    }
    actions = [a for s in policy["Statement"] for a in _as_list(s["Action"])]
    assert not [a for a in actions if "*" in a]


# Every action that can give a role permissions (IAM's `iam:PermissionsBoundary` condition key
# applies to each of them).
ROLE_PERMISSION_GRANTS = {
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
}


def test_roles_get_permissions_only_within_the_boundary(diy: _Capture) -> None:
    policy = document(one(diy, "aws:iam/rolePolicy:RolePolicy", "deployer"), "policy")
    granting = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and ROLE_PERMISSION_GRANTS & set(_as_list(s["Action"]))
    ]
    assert granting, "the deployer must still be able to create roles"
    for statement in granting:
        assert statement["Condition"] == {
            "StringEquals": {"iam:PermissionsBoundary": diy.outputs["lambdaBoundaryArn"]}
        }, statement["Sid"]
    denied = {
        action
        for s in policy["Statement"]
        if s["Effect"] == "Deny"
        and f"arn:aws:iam::{ACCOUNT}:role/honeyhive-*" in _as_list(s["Resource"])
        for action in _as_list(s["Action"])
    }
    assert {"iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"} <= denied


def test_lambda_boundary_policy(diy: _Capture) -> None:
    boundary = one(diy, "aws:iam/policy:Policy")
    assert boundary.inputs["name"] == "honeyhive-lambda-boundary"
    assert "tags" not in boundary.inputs, "tagged through the provider's default_tags"
    assert document(boundary, "policy") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteToTestFunctionLogGroupsOnly",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/lambda/honeyhive-*:*",
            }
        ],
    }


def test_policy_fits_the_inline_policy_size_limit(diy: _Capture) -> None:
    """IAM counts an inline role policy without whitespace against 10,240 characters."""
    policy = document(one(diy, "aws:iam/rolePolicy:RolePolicy", "deployer"), "policy")
    assert len(json.dumps(policy, separators=(",", ":"))) < 10_240


def test_every_action_has_a_reason() -> None:
    settings = parse("prod", {**BASE, "stateBucket": BUCKET})
    for statement in statements(settings):
        for action, reason in statement.actions.items():
            assert len(reason) > 15, (statement.sid, action)


# --- the state bucket ----------------------------------------------------------------------


def test_state_bucket_hardening(diy: _Capture) -> None:
    bucket = one(diy, "aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == BUCKET
    assert bucket.protect is True
    assert one(diy, "aws:s3/bucketVersioning:BucketVersioning").inputs[
        "versioningConfiguration"
    ] == {"status": "Enabled"}
    sse = one(
        diy,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    assert sse.inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]
    block = one(diy, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert {k: block[k] for k in block if k != "bucket"} == {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    ownership = one(diy, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    for declared in diy.declared:
        if declared.type.startswith("aws:s3/bucket") and declared.type != "aws:s3/bucket:Bucket":
            assert declared.inputs["bucket"] == "state-id"


# --- config validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"githubRepository": ""}, "githubRepository='' is not a GitHub owner/name"),
        ({"githubRepository": "octo-repo"}, "githubRepository='octo-repo' is not a GitHub"),
        ({"githubRepository": "a/b/c"}, "pulumi config set githubRepository"),
        ({"githubRepositoryIds": "12/x"}, "githubRepositoryIds='12/x' is not OWNER_ID/REPO_ID"),
        ({"sdkRepository": "python-sdk"}, "sdkRepository='python-sdk' is not a GitHub owner/name"),
        ({"sdkRepositoryIds": "1/2"}, "sdkRepositoryIds is set but sdkRepository is not"),
        (
            {"sdkRepository": "o/python-sdk", "sdkRepositoryIds": "x"},
            "sdkRepositoryIds='x' is not OWNER_ID/REPO_ID",
        ),
        ({"accountId": "12345"}, "accountId='12345' is not a 12-digit AWS account id"),
        ({"region": "Europe"}, "region='Europe' is not an AWS region"),
        ({"region": "us-gov-west-1"}, "outside the commercial `aws` partition"),
        ({"region": "cn-north-1"}, "outside the commercial `aws` partition"),
        ({"stateBucket": "pulumi-state"}, "stateBucket='pulumi-state' is not a valid bucket"),
        ({"stateBucket": "honeyhive-State"}, "must start with 'honeyhive-'"),
        ({"stateBucket": "honeyhive-state.example"}, "lowercase letters, digits and hyphens"),
        ({"stateBucket": "honeyhive-state-"}, "end with a letter or digit"),
        ({"stateBucket": "honeyhive-" + "x" * 54}, "3-63"),
        ({"stateBucket": "honeyhive-x-s3alias"}, "is not a valid bucket name"),
        ({"createOidcProvider": "yes"}, "createOidcProvider='yes' is not true or false"),
    ],
)
def test_bad_config_names_key_value_and_fix(change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match="pulumi config set") as error:
        parse("prod", {**BASE, **change})
    assert message in str(error.value)


def test_every_problem_is_reported_at_once() -> None:
    bad = {
        "githubRepository": "octo-repo",
        "accountId": "12345",
        "region": "Europe",
        "createOidcProvider": "yes",
    }
    with pytest.raises(ConfigError) as error:
        parse("prod", bad)
    assert len(error.value.problems) == 4
    for key in bad:
        assert f"{key}=" in str(error.value)
        assert f"pulumi config set {key}" in str(error.value)


def test_defaults() -> None:
    settings = parse("prod", {"githubRepository": "o/r", "accountId": ACCOUNT, **IDS})
    assert settings.region == "us-east-1"
    assert settings.state_bucket is None
    assert settings.create_oidc_provider is True
    assert settings.repository.ids == ("123456", "789012")
    assert settings.sdk_repository is None
    assert settings.name_only_subjects is False


def test_longest_valid_bucket_name_is_accepted() -> None:
    name = "honeyhive-" + "x" * 53
    assert len(name) == 63
    assert parse("prod", {**BASE, "stateBucket": name}).state_bucket == name


# --- the previewer: read-only, and nothing that reads the key ---------------------------------

_READ_ONLY = ("Get", "List", "Describe")


def test_the_previewer_only_reads_and_never_what_holds_the_key(diy: _Capture) -> None:
    role = one(diy, "aws:iam/role:Role", "previewer")
    assert role.inputs["name"] == "honeyhive-ci-previewer"
    resource = one(diy, "aws:iam/rolePolicy:RolePolicy", "previewer")
    assert resource.inputs["role"] == "previewer-id"
    statements = document(resource, "policy")["Statement"]
    actions = {a for s in statements for a in _as_list(s["Action"])}
    assert actions, "a policy that grants nothing would not be the read-only role"
    assert all(s["Effect"] == "Allow" for s in statements)
    writes = sorted(a for a in actions if not a.split(":")[1].startswith(_READ_ONLY))
    assert not writes, writes
    assert not actions & NEVER_GRANTED, sorted(actions & NEVER_GRANTED)
    assert not [a for a in actions if a.startswith(("s3:", "sts:"))], "no state, no chaining"
    for statement in statements:
        for arn in _as_list(statement["Resource"]):
            if arn == "*":
                assert all(a in LIST_ONLY_ACTIONS for a in _as_list(statement["Action"]))
            else:
                assert "honeyhive-" in arn and ACCOUNT in arn, arn


LIST_ONLY_ACTIONS = {
    "lambda:ListLayers",
    "lambda:ListLayerVersions",
    "lambda:GetAccountSettings",
    "logs:DescribeLogGroups",
}
"""Actions AWS authorizes on no resource type (only "*")."""


def test_the_deployer_may_not_touch_the_previewer(diy: _Capture) -> None:
    policy = document(one(diy, "aws:iam/rolePolicy:RolePolicy", "deployer"), "policy")
    denied = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    previewer = f"arn:aws:iam::{ACCOUNT}:role/honeyhive-ci-previewer"
    guarding = [s for s in denied if previewer in _as_list(s["Resource"])]
    assert guarding and "iam:UpdateAssumeRolePolicy" in guarding[0]["Action"]


def test_the_example_stack_without_ids_is_refused_by_the_render() -> None:
    """`python -m harness render --program bootstrap --stack example`, with the example's ids
    unset: the program itself refuses, naming both ids and the opt-in."""
    unset = {"githubRepositoryIds": "", "sdkRepositoryIds": ""}
    with pytest.raises(ProgramRefused) as refused:
        render("example", program_dir=REPO_ROOT / "bootstrap", overrides=unset)
    message = str(refused.value)
    assert "githubRepositoryIds is not set" in message
    assert "sdkRepositoryIds is not set" in message
    assert "nameOnlySubjects" in message
