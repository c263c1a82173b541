"""Who may assume the deployer role: only this repository's GitHub Actions workflows.

The role trusts GitHub's OIDC provider with two conditions on the token:
- `aud` is `sts.amazonaws.com` (what aws-actions/configure-aws-credentials requests);
- `sub` is one of the subjects our workflows run as: a branch (`push`, `schedule` and
  `workflow_dispatch` all run on `ref:refs/heads/<branch>`) or a same-repository pull request
  (`pull_request`; GitHub issues no OIDC token to pull requests from forks). Tags, GitHub
  environments and every other repository are refused.

Repositories created or renamed after GitHub's switch to immutable subject claims (and those
that opted in) put numeric ids in `sub`: `repo:owner@OWNER_ID/name@REPO_ID:...`. With
`githubRepositoryIds` set the trust uses that form only, so a recycled owner or repository
name cannot match.

`sts:TagSession` is allowed with the same conditions: configure-aws-credentials v6.2+ sends
session tags by default, and STS refuses the whole AssumeRoleWithWebIdentity without it.
"""

from __future__ import annotations

from typing import Any

from bootstrap.settings import BootstrapSettings

ISSUER_HOST = "token.actions.githubusercontent.com"
ISSUER_URL = f"https://{ISSUER_HOST}"
AUDIENCE = "sts.amazonaws.com"
TRUSTED_REFS = ("ref:refs/heads/*", "pull_request")


def provider_arn(account_id: str) -> str:
    """The ARN IAM gives the provider for ISSUER_URL (one per account)."""
    return f"arn:aws:iam::{account_id}:oidc-provider/{ISSUER_HOST}"


def subjects(settings: BootstrapSettings) -> list[str]:
    if settings.github_ids is None:
        repository = settings.github_slug
    else:
        owner_id, repository_id = settings.github_ids
        repository = (
            f"{settings.github_owner}@{owner_id}/{settings.github_repository}@{repository_id}"
        )
    return [f"repo:{repository}:{ref}" for ref in TRUSTED_REFS]


def trust_policy(oidc_provider_arn: str, settings: BootstrapSettings) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GitHubActionsOfThisRepository",
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {f"{ISSUER_HOST}:aud": AUDIENCE},
                    "StringLike": {f"{ISSUER_HOST}:sub": subjects(settings)},
                },
            }
        ],
    }
