"""Least privilege: no wildcard actions, no `Resource: "*"` outside a short allowlist, no
NotAction/NotResource grants, and no AdministratorAccess/PowerUserAccess/*FullAccess attachments.

Only `Allow` statements are checked: a `Deny` can only take permissions away.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .iam_documents import (
    DocumentError,
    Statement,
    is_wildcard_action,
    is_wildcard_resource,
    statements,
)
from .limits import WILDCARD_RESOURCE_SCHEMA
from .values import strings, text

BROAD_MANAGED_POLICIES: Final = frozenset({"AdministratorAccess", "PowerUserAccess"})
_ATTACHMENTS: Final = frozenset(
    {
        t.ROLE_POLICY_ATTACHMENT,
        t.USER_POLICY_ATTACHMENT,
        t.GROUP_POLICY_ATTACHMENT,
        t.POLICY_ATTACHMENT,
    }
)


def documents(resource: Resource) -> Iterator[tuple[str, Any]]:
    """(label, document) for every identity policy document the resource declares."""
    props = resource.props
    if resource.type in t.POLICY_DOCUMENT_HOLDERS and "policy" in props:
        yield "policy", props["policy"]
    if resource.type == t.ROLE and isinstance(props.get("inlinePolicies"), list):
        for index, inline in enumerate(props["inlinePolicies"]):
            if isinstance(inline, dict) and "policy" in inline:
                name = text(inline.get("name")) or f"#{index + 1}"
                yield f"inline policy {name!r}", inline["policy"]


def _allow_statements(resource: Resource) -> Iterator[tuple[str, Statement]]:
    for label, document in documents(resource):
        try:
            found = statements(document)
        except DocumentError:
            continue  # reported once, by iam-no-wildcard-actions
        for statement in found or ():
            if statement.allows:
                yield label, statement


def check_wildcard_actions(resource: Resource, _settings: Settings) -> Iterator[str]:
    for label, document in documents(resource):
        try:
            statements(document)
        except DocumentError as exc:
            yield (
                f"{label} cannot be checked: {exc}; give it as a JSON object with a "
                'Statement list, e.g. {"Version": "2012-10-17", "Statement": [...]}'
            )
    for label, statement in _allow_statements(resource):
        for action in statement.actions:
            if is_wildcard_action(action):
                yield (
                    f"{label} {statement.label} allows {action!r}: list the exact actions "
                    "it needs instead (e.g. 'logs:PutLogEvents')"
                )
        if statement.not_actions:
            yield (
                f"{label} {statement.label} uses NotAction {list(statement.not_actions)}, "
                "which allows every other action: list the allowed actions under Action"
            )


def check_wildcard_resources(resource: Resource, settings: Settings) -> Iterator[str]:
    allowlist = [str(a) for a in settings["allowedWildcardResourceActions"]]
    allowed = {a.lower() for a in allowlist}
    for label, statement in _allow_statements(resource):
        if statement.not_resources:
            yield (
                f"{label} {statement.label} uses NotResource "
                f"{list(statement.not_resources)}, which applies to every other resource: "
                "list the resources under Resource"
            )
        wildcards = [r for r in statement.resources if is_wildcard_resource(r)]
        if not wildcards:
            continue
        granted = [a for a in statement.actions if a.lower() not in allowed]
        granted += [f"NotAction {a}" for a in statement.not_actions]
        if granted:
            yield (
                f"{label} {statement.label} grants {granted} on Resource {wildcards[0]!r}; "
                f"only {allowlist} may use a wildcard resource: name the ARNs instead "
                "(e.g. arn:aws:logs:<region>:<account>:log-group:/aws/lambda/<function>:*)"
            )


def attached_policy_arns(resource: Resource) -> list[str]:
    props = resource.props
    if resource.type in _ATTACHMENTS:
        return strings(props.get("policyArn"))
    if resource.type == t.ROLE:
        return strings(props.get("managedPolicyArns"))
    if resource.type == t.ROLE_POLICY_ATTACHMENTS_EXCLUSIVE:
        return strings(props.get("policyArns"))
    return []


def is_broad_managed_policy(arn: str) -> bool:
    name = arn.rsplit("/", 1)[-1]
    return name in BROAD_MANAGED_POLICIES or name.endswith("FullAccess")


def check_admin_policies(resource: Resource, _settings: Settings) -> Iterator[str]:
    for arn in attached_policy_arns(resource):
        if is_broad_managed_policy(arn):
            yield (
                f"attaches {arn!r}, which grants far more than a test function needs; attach "
                "a policy that lists the exact actions and resources instead"
            )


POLICIES: Final = [
    resource_policy(
        "iam-no-wildcard-actions",
        "IAM policies allow no '*' or 'service:*' actions and use no NotAction",
        check_wildcard_actions,
    ),
    resource_policy(
        "iam-no-wildcard-resources",
        'IAM policies use Resource "*" only for allowlisted actions and use no NotResource',
        check_wildcard_resources,
        config=WILDCARD_RESOURCE_SCHEMA,
    ),
    resource_policy(
        "iam-no-admin-policies",
        "No AdministratorAccess, PowerUserAccess or *FullAccess (incl. IAMFullAccess) attachments",
        check_admin_policies,
    ),
]
