"""The bootstrap's config, validated before anything is declared.

Every error names the key, the value and what is allowed, with the command that fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from infra.errors import ProblemList
from infra.spec import DEFAULT_REGION, REGION_PATTERN

PROJECT = "honeyhive-lambda-test-bootstrap"
KEYS = (
    "githubRepository",
    "githubRepositoryIds",
    "sdkRepository",
    "sdkRepositoryIds",
    "accountId",
    "region",
    "stateBucket",
    "createOidcProvider",
    "nameOnlySubjects",
)
IDS_COMMAND = "gh api repos/{slug} --jq '.owner.id, .id'"
"""Prints the owner's id, then the repository's (GitHub's REST API)."""

_REPOSITORY = re.compile(
    r"^(?P<owner>[A-Za-z0-9][A-Za-z0-9-]{0,38})/(?P<name>[A-Za-z0-9._-]{1,100})$"
)
_REPOSITORY_IDS = re.compile(r"^(?P<owner>[1-9][0-9]*)/(?P<name>[1-9][0-9]*)$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_REGION = re.compile(REGION_PATTERN)
# The ARNs the bootstrap writes are in the `aws` partition; GovCloud, China and ISO regions
# would need theirs.
_OTHER_PARTITIONS = ("us-gov-", "cn-", "us-iso")
# S3's rules (3-63 characters of lowercase letters, digits, dots and hyphens, starting and
# ending with a letter or digit) without dots: a dotted name breaks TLS for virtual-hosted URLs.
_BUCKET = re.compile(r"^honeyhive-[a-z0-9-]{0,52}[a-z0-9]$")
_BUCKET_FORBIDDEN_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3")


class BootstrapError(Exception):
    """The base of the bootstrap's errors."""


class ConfigError(ProblemList, BootstrapError):
    """The bootstrap's config is invalid; the message lists every problem, each with its fix."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        super().__init__(f"invalid configuration for bootstrap stack {stack!r}", problems)


@dataclass(frozen=True)
class Repository:
    owner: str
    name: str
    ids: tuple[str, str] | None
    """(owner id, repository id) for GitHub's immutable subject claims."""

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class BootstrapSettings:
    stack: str
    repository: Repository
    """This test bed's repository: its workflows deploy."""
    sdk_repository: Repository | None
    """The SDK's repository, trusted only through this repository's deploy workflow."""
    account_id: str
    region: str
    state_bucket: str | None
    create_oidc_provider: bool
    name_only_subjects: bool = False
    """The admin's explicit opt-in to trusting repositories without their ids."""


def _fix(key: str, example: str) -> str:
    return f"set it with `pulumi config set {key} {example}`"


def _ids(text: str, key: str, problems: list[str]) -> tuple[str, str] | None:
    if not text:
        return None
    match = _REPOSITORY_IDS.match(text)
    if match is None:
        problems.append(
            f"{key}={text!r} is not OWNER_ID/REPO_ID (two positive integers: the GitHub API's "
            "owner.id and id); " + _fix(key, "123456/789012")
        )
        return None
    return match["owner"], match["name"]


def _missing_ids(key: str, slug: str, ids_key: str) -> str:
    """A repository without ids: GitHub sends `repo:OWNER@ID/REPO@ID:...` for repositories
    created or renamed on or after 2026-07-15, which the name-only trust refuses."""
    command = IDS_COMMAND.format(slug=slug if "/" in slug else "OWNER/REPO")
    return (
        f"{ids_key} is not set for {key}={slug!r}: repositories created or renamed on or after "
        "2026-07-15 send GitHub's immutable OIDC subject (repo:OWNER@OWNER_ID/REPO@REPO_ID:...), "
        f"which a name-only trust refuses; read the two ids with `{command}` and "
        + _fix(ids_key, "OWNER_ID/REPO_ID")
        + " (or, for a repository that sends the name-only subject, opt in with "
        "`pulumi config set nameOnlySubjects true`)"
    )


def _name_only(text: str, problems: list[str]) -> bool | None:
    """The `nameOnlySubjects` opt-in (default false); None when it is not a boolean."""
    value = text.lower() or "false"
    if value not in {"true", "false"}:
        problems.append(
            f"nameOnlySubjects={value!r} is not true or false; " + _fix("nameOnlySubjects", "true")
        )
        return None
    return value == "true"


def parse(stack: str, values: Mapping[str, str | None]) -> BootstrapSettings:
    """BootstrapSettings from raw config strings (None or empty = unset); every problem is
    reported at once."""

    def get(key: str) -> str:
        return (values.get(key) or "").strip()

    problems: list[str] = []
    repository = get("githubRepository")
    match = _REPOSITORY.match(repository)
    if match is None:
        problems.append(
            f"githubRepository={repository!r} is not a GitHub owner/name; "
            + _fix("githubRepository", "honeyhiveai/python-sdk")
        )

    ids = _ids(get("githubRepositoryIds"), "githubRepositoryIds", problems)
    sdk_text = get("sdkRepository")
    sdk_match = _REPOSITORY.match(sdk_text)
    if sdk_text and sdk_match is None:
        problems.append(
            f"sdkRepository={sdk_text!r} is not a GitHub owner/name; "
            + _fix("sdkRepository", "honeyhiveai/python-sdk")
        )
    sdk_ids = _ids(get("sdkRepositoryIds"), "sdkRepositoryIds", problems)
    if sdk_ids and not sdk_text:
        problems.append(
            "sdkRepositoryIds is set but sdkRepository is not; "
            + _fix("sdkRepository", "honeyhiveai/python-sdk")
        )

    account = get("accountId")
    if not _ACCOUNT.match(account):
        problems.append(
            f"accountId={account!r} is not a 12-digit AWS account id; "
            + _fix("accountId", "123456789012")
        )

    region = get("region") or DEFAULT_REGION
    if not _REGION.match(region):
        problems.append(
            f"region={region!r} is not an AWS region; " + _fix("region", DEFAULT_REGION)
        )
    elif region.startswith(_OTHER_PARTITIONS):
        problems.append(
            f"region={region!r} is outside the commercial `aws` partition, whose ARNs the "
            "bootstrap writes; " + _fix("region", DEFAULT_REGION)
        )

    bucket = get("stateBucket") or None
    if bucket is not None and (
        not _BUCKET.match(bucket) or bucket.endswith(_BUCKET_FORBIDDEN_SUFFIXES)
    ):
        example = (
            f"honeyhive-lambda-test-state-{account if _ACCOUNT.match(account) else '<account>'}"
        )
        problems.append(
            f"stateBucket={bucket!r} is not a valid bucket name for the test bed: it must start "
            "with 'honeyhive-', be 3-63 lowercase letters, digits and hyphens, and end with a "
            "letter or digit; " + _fix("stateBucket", example)
        )

    name_only = _name_only(get("nameOnlySubjects"), problems)
    if name_only is False:
        for key, slug, found, ids_key in (
            ("githubRepository", repository, match is not None, "githubRepositoryIds"),
            ("sdkRepository", sdk_text, sdk_match is not None, "sdkRepositoryIds"),
        ):
            if found and not get(ids_key):
                problems.append(_missing_ids(key, slug, ids_key))

    create = get("createOidcProvider").lower() or "true"
    if create not in {"true", "false"}:
        problems.append(
            f"createOidcProvider={create!r} is not true or false; "
            + _fix("createOidcProvider", "false")
        )

    if problems or match is None:
        raise ConfigError(stack, problems)
    return BootstrapSettings(
        stack=stack,
        repository=Repository(match["owner"], match["name"], ids),
        sdk_repository=(
            Repository(sdk_match["owner"], sdk_match["name"], sdk_ids) if sdk_match else None
        ),
        account_id=account,
        region=region,
        state_bucket=bucket,
        create_oidc_provider=create == "true",
        name_only_subjects=bool(name_only),
    )


def from_pulumi() -> BootstrapSettings:
    config = pulumi.Config()
    return parse(pulumi.get_stack(), {key: config.get(key) for key in KEYS})
