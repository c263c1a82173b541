"""Policy documents: valid and known (iam-policy-documents), no wildcard actions
(iam-no-wildcard-actions) and no wildcard resources (iam-no-wildcard-resources).

Every document a resource declares is read: identity policies (role, user, group and managed
policies, a role's inline policies), a role's trust policy, and resource-based policies
(buckets, queues, topics, ...). The wildcard rules check the grants of identity and
resource-based policies; only `Allow` statements are checked (a `Deny` only takes permissions
away). A document that is invalid or unknown at preview is reported once, by
iam-policy-documents; the other rules cannot read it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .iam_documents import (
    DocumentError,
    Kind,
    Statement,
    action_scope,
    arn_wildcards,
    name_wildcard,
    statements,
)
from .limits import WILDCARD_ACTION_SCHEMA, WILDCARD_RESOURCE_SCHEMA
from .values import text, unverifiable

ACCOUNT_PLACEHOLDER: Final = "{account}"


def documents(resource: Resource) -> Iterator[tuple[str, Any, Kind]]:
    """(label, document, kind) for every policy document the resource declares."""
    props = resource.props
    if not resource.is_aws:
        return
    if resource.type in t.POLICY_DOCUMENT_HOLDERS and props.get("policy") is not None:
        yield "policy", props["policy"], Kind.IDENTITY
    if resource.type == t.ROLE:
        if props.get("assumeRolePolicy") is not None:
            yield "assumeRolePolicy", props["assumeRolePolicy"], Kind.TRUST
        inline = props.get("inlinePolicies")
        for index, item in enumerate(inline if isinstance(inline, list) else []):
            if isinstance(item, dict) and item.get("policy") is not None:
                name = text(item.get("name")) or f"#{index + 1}"
                yield f"inline policy {name!r}", item["policy"], Kind.IDENTITY
    key = t.RESOURCE_POLICY_HOLDERS.get(resource.type)
    if key is not None and props.get(key) is not None:
        yield key, props[key], Kind.RESOURCE


def readable(resource: Resource, *kinds: Kind) -> Iterator[tuple[str, list[Statement]]]:
    """(label, statements) of the resource's valid, known documents of these kinds."""
    for label, document, kind in documents(resource):
        if kind not in kinds:
            continue
        try:
            found = statements(document, kind)
        except DocumentError:
            continue  # reported by iam-policy-documents
        if found is not None:
            yield label, found


def allow_statements(resource: Resource, *kinds: Kind) -> Iterator[tuple[str, Statement]]:
    for label, found in readable(resource, *kinds):
        for statement in found:
            if statement.allows:
                yield label, statement


def check_documents(resource: Resource, _settings: Settings) -> Iterator[str]:
    for label, document, kind in documents(resource):
        try:
            found = statements(document, kind)
        except DocumentError as exc:
            yield (
                f"{label} is not a valid {kind.value}: {exc}; IAM would refuse it (write it as "
                '{"Version": "2012-10-17", "Statement": [...]})'
            )
            continue
        if found is None:
            yield unverifiable(f"{label} ({kind.article} {kind.value})")


def _service(action: str) -> str:
    return action.partition(":")[0] if ":" in action else "every service"


def check_wildcard_actions(resource: Resource, settings: Settings) -> Iterator[str]:
    allowlist = [str(a) for a in settings["allowedActionPatterns"]]
    allowed = {a.lower() for a in allowlist}
    for label, statement in allow_statements(resource, Kind.IDENTITY, Kind.RESOURCE):
        for action in statement.actions:
            scope = action_scope(action)
            if scope == "all":
                yield (
                    f"{label} {statement.label} allows {action!r}, every action of "
                    f"{_service(action)}: list the exact actions it needs instead "
                    "(e.g. 'logs:PutLogEvents')"
                )
            elif scope == "partial" and action.lower() not in allowed:
                yield (
                    f"{label} {statement.label} allows {action!r}, a wildcard over "
                    f"{_service(action)} actions: list the exact actions, or allow the pattern "
                    "in iam-no-wildcard-actions.allowedActionPatterns"
                )
        if statement.not_actions:
            yield (
                f"{label} {statement.label} uses NotAction {list(statement.not_actions)}, "
                "which allows every other action: list the allowed actions under Action"
            )


def allowed_arns(patterns: Sequence[str], accounts: Sequence[str]) -> set[str]:
    """The allowlisted ARNs, `{account}` replaced by each account the provider is pinned to."""
    found = set()
    for pattern in patterns:
        if ACCOUNT_PLACEHOLDER in pattern:
            found |= {pattern.replace(ACCOUNT_PLACEHOLDER, account) for account in accounts}
        else:
            found.add(pattern)
    return found


def check_wildcard_resources(resource: Resource, settings: Settings) -> Iterator[str]:
    allowlist = [str(a) for a in settings["allowedWildcardResourceActions"]]
    allowed_actions = {a.lower() for a in allowlist}
    arns = allowed_arns(
        [str(a) for a in settings["allowedWildcardArns"]], resource.allowed_accounts
    )
    projects = [str(p) for p in settings["prefixWildcardProjects"]]
    prefix = str(settings["prefix"]) if resource.project in projects else None
    for label, statement in allow_statements(resource, Kind.IDENTITY, Kind.RESOURCE):
        if statement.not_resources:
            yield (
                f"{label} {statement.label} uses NotResource "
                f"{list(statement.not_resources)}, which applies to every other resource: "
                "list the resources under Resource"
            )
        granted = [a for a in statement.actions if a.lower() not in allowed_actions]
        granted += [f"NotAction {a}" for a in statement.not_actions]
        for arn in statement.resources:
            opened = arn_wildcards(arn)
            if not opened and name_wildcard(arn, prefix):
                opened = ["name"]
            if opened and granted and arn not in arns:
                yield (
                    f"{label} {statement.label} grants {granted} on Resource {arn!r} (a wildcard "
                    f"over {' and '.join(opened)}); only {allowlist} may use such a resource: "
                    "name the ARNs instead (e.g. arn:aws:logs:<region>:<account>:log-group:"
                    "/aws/lambda/<function>:*)"
                )


POLICIES: Final = [
    resource_policy(
        "iam-policy-documents",
        "Every policy document (identity, trust, resource-based) is valid IAM JSON and known",
        check_documents,
    ),
    resource_policy(
        "iam-no-wildcard-actions",
        "Policies allow no whole-service action wildcards, no unlisted partial ones, no NotAction",
        check_wildcard_actions,
        config=WILDCARD_ACTION_SCHEMA,
    ),
    resource_policy(
        "iam-no-wildcard-resources",
        "Policies use wildcard resources only for allowlisted actions or ARNs, and no NotResource",
        check_wildcard_resources,
        config=WILDCARD_RESOURCE_SCHEMA,
    ),
]
