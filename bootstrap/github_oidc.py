"""Who may assume the CI roles: only this repository's GitHub Actions workflows.

Each role trusts GitHub's OIDC provider with two conditions on the token:
- `aud` is `sts.amazonaws.com` (what aws-actions/configure-aws-credentials requests);
- `sub` is one of the subjects our workflows run as. The deployer (creates and deletes every
  `honeyhive-*` resource) is trusted only on a branch (`push`, `schedule` and
  `workflow_dispatch` all run on `ref:refs/heads/<branch>`); the read-only previewer
  (preview_policy.py) only for a same-repository pull request (`pull_request`; GitHub issues no
  OIDC token to pull requests from forks). Tags, GitHub environments and every other
  repository are refused.

GitHub's immutable subject claims (https://docs.github.com/en/actions/reference/security/oidc,
"Immutable subject claims"): repositories created or renamed on or after 2026-07-15, and
those that opted in, get numeric ids in the default `sub`:
`repo:OWNER@OWNER-ID/REPO@REPO-ID:ref:refs/heads/main` (`@` cannot appear in a GitHub name). So
the ids are required (settings.py), unless the admin opts in to `nameOnlySubjects`. With the
ids the trust accepts that form and the name-only one (`repo:OWNER/REPO:...`, what a repository
that has not switched still sends): a repository keeps working across the switch, and the id
form pins the exact owner and repository. With the opt-in only the name-only form is trusted.

The SDK's repository (`sdkRepository`, optional) may assume the deployer too, but only through
this repository's deploy workflow, which it calls to test its own branches
(docs/ci-and-bootstrap.md, "The SDK's own repository"). AWS matches only `aud` and `sub`, so the
SDK repository sets its OIDC subject template to include `job_workflow_ref` (the called
workflow, which GitHub sets and no caller can forge):
`repo:OWNER/SDK:ref:refs/heads/x:job_workflow_ref:OWNER/TESTBED/.github/workflows/deploy.yml@REF`.
The trust requires exactly this repository's deploy.yml there, at any of its refs; a ref
cannot hold `:`, so no branch name can fake the suffix.

No `sts:TagSession`: configure-aws-credentials drops its session tags for
AssumeRoleWithWebIdentity (src/assumeRole.ts deletes `Tags` before the call), and STS takes a
web identity's session tags only from the token's `https://aws.amazon.com/tags` claim, which
GitHub's tokens do not carry.
"""

from __future__ import annotations

from typing import Any

from bootstrap.settings import BootstrapSettings, Repository

ISSUER_HOST = "token.actions.githubusercontent.com"
ISSUER_URL = f"https://{ISSUER_HOST}"
AUDIENCE = "sts.amazonaws.com"
DEPLOY_REFS = ("ref:refs/heads/*",)
"""The deployer's subjects: runs on a branch of this repository, never a pull request."""
PREVIEW_REFS = ("pull_request",)
"""The previewer's subjects: pull requests from this repository's own branches."""
DEPLOY_WORKFLOW = ".github/workflows/deploy.yml"


def provider_arn(account_id: str) -> str:
    """The ARN IAM gives the provider for ISSUER_URL (one per account)."""
    return f"arn:aws:iam::{account_id}:oidc-provider/{ISSUER_HOST}"


def repository_forms(repository: Repository) -> list[str]:
    """The repository as `sub` names it: name-only, and with the ids when they are known."""
    forms = [repository.slug]
    if repository.ids is not None:
        owner_id, repository_id = repository.ids
        forms.append(f"{repository.owner}@{owner_id}/{repository.name}@{repository_id}")
    return forms


def subjects(settings: BootstrapSettings, refs: tuple[str, ...] = DEPLOY_REFS) -> list[str]:
    """This repository's runs on `refs` (its branches, by default)."""
    return [f"repo:{form}:{ref}" for form in repository_forms(settings.repository) for ref in refs]


def sdk_subjects(settings: BootstrapSettings, sdk: Repository) -> list[str]:
    """Any run of the SDK repository that calls this repository's deploy workflow."""
    called = f"{settings.repository.slug}/{DEPLOY_WORKFLOW}"
    return [f"repo:{form}:*:job_workflow_ref:{called}@*" for form in repository_forms(sdk)]


def _statement(sid: str, oidc_provider_arn: str, patterns: list[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Federated": oidc_provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {f"{ISSUER_HOST}:aud": AUDIENCE},
            "StringLike": {f"{ISSUER_HOST}:sub": patterns},
        },
    }


def trust_policy(oidc_provider_arn: str, settings: BootstrapSettings) -> dict[str, Any]:
    statements = [
        _statement("GitHubActionsOfThisRepository", oidc_provider_arn, subjects(settings))
    ]
    if settings.sdk_repository is not None:
        patterns = sdk_subjects(settings, settings.sdk_repository)
        statements.append(
            _statement("TheSdkRepositoryThroughOurDeployWorkflow", oidc_provider_arn, patterns)
        )
    return {"Version": "2012-10-17", "Statement": statements}


def preview_trust_policy(oidc_provider_arn: str, settings: BootstrapSettings) -> dict[str, Any]:
    """The previewer's: this repository's pull requests only (no SDK repository, no branch)."""
    patterns = subjects(settings, PREVIEW_REFS)
    statement = _statement("PullRequestsOfThisRepository", oidc_provider_arn, patterns)
    return {"Version": "2012-10-17", "Statement": [statement]}
