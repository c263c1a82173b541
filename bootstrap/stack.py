"""Everything the bootstrap declares, through one explicit provider pinned to the account."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from bootstrap.deployer_policy import (
    DEPLOYER_POLICY,
    DEPLOYER_ROLE,
    DEPLOYER_SESSION_SECONDS,
    policy_document,
)
from bootstrap.github_oidc import (
    AUDIENCE,
    ISSUER_URL,
    preview_trust_policy,
    provider_arn,
    trust_policy,
)
from bootstrap.lambda_boundary import BOUNDARY_POLICY, boundary_document
from bootstrap.preview_policy import PREVIEWER_POLICY, PREVIEWER_ROLE, preview_policy_document
from bootstrap.settings import BootstrapSettings
from bootstrap.state_bucket import StateBucket
from infra.tags import tags_for


def default_tags(settings: BootstrapSettings) -> dict[str, str]:
    """The main program's tags, never expiring: the sweeper must not touch the bootstrap."""
    return tags_for(f"bootstrap-{settings.stack}", branch=None, expires_at=None)


def build(settings: BootstrapSettings) -> dict[str, pulumi.Input[str | None]]:
    """Declare everything; return the stack outputs (the entry point exports them)."""
    provider = aws.Provider(
        "bootstrap",
        region=settings.region,
        allowed_account_ids=[settings.account_id],
        default_tags={"tags": default_tags(settings)},
    )
    opts = pulumi.ResourceOptions(provider=provider)

    oidc_arn: pulumi.Output[str]
    if settings.create_oidc_provider:
        oidc = aws.iam.OpenIdConnectProvider(
            "github-actions", url=ISSUER_URL, client_id_lists=[AUDIENCE], opts=opts
        )
        oidc_arn = oidc.arn
    else:
        oidc_arn = pulumi.Output.from_input(provider_arn(settings.account_id))

    # The deployer's policy names this boundary by its ARN, which IAM derives from the name.
    boundary = aws.iam.Policy(
        "lambda-boundary",
        name=BOUNDARY_POLICY,
        description="Permissions boundary of the honeyhive-lambda-test functions' roles: "
        "log writes to their own log groups only",
        policy=json.dumps(boundary_document(settings.account_id)),
        opts=opts,
    )

    role = aws.iam.Role(
        "deployer",
        name=DEPLOYER_ROLE,
        description=f"CI deployer of honeyhive-lambda-test, for {settings.repository.slug} only",
        assume_role_policy=oidc_arn.apply(lambda arn: json.dumps(trust_policy(arn, settings))),
        max_session_duration=DEPLOYER_SESSION_SECONDS,
        opts=opts,
    )
    aws.iam.RolePolicy(
        "deployer",
        name=DEPLOYER_POLICY,
        role=role.id,
        policy=json.dumps(policy_document(settings)),
        opts=opts,
    )

    previewer = aws.iam.Role(
        "previewer",
        name=PREVIEWER_ROLE,
        description=f"Read-only pull-request previews of honeyhive-lambda-test, for "
        f"{settings.repository.slug} only",
        assume_role_policy=oidc_arn.apply(
            lambda arn: json.dumps(preview_trust_policy(arn, settings))
        ),
        opts=opts,
    )
    aws.iam.RolePolicy(
        "previewer",
        name=PREVIEWER_POLICY,
        role=previewer.id,
        policy=json.dumps(preview_policy_document(settings)),
        opts=opts,
    )

    backend_url: str | None = None
    if settings.state_bucket:
        StateBucket("state", settings.state_bucket, opts)
        backend_url = f"s3://{settings.state_bucket}?region={settings.region}"

    return {
        "deployerRoleArn": role.arn,
        "previewerRoleArn": previewer.arn,
        "lambdaBoundaryArn": boundary.arn,
        "oidcProviderArn": oidc_arn,
        "region": settings.region,
        "stateBucket": settings.state_bucket,
        "backendUrl": backend_url,
    }
