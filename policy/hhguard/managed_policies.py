"""iam-managed-policies: what managed policies the stack attaches.

An AWS-managed policy (`arn:<partition>:iam::aws:policy/...`) grants what AWS decides, and can
grow: only an allowlist (by default Lambda's basic execution role) may be attached. A customer
managed policy must be declared in this stack, so its document is checked here; one declared
elsewhere could grant anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from . import aws_types as t
from .framework import Settings, StackResource, stack_policy
from .limits import MANAGED_POLICIES_SCHEMA
from .stack_links import Stack, label
from .values import has_unknown, is_unknown, strings, text, unverifiable

_AWS_MANAGED: Final = re.compile(r"^arn:[a-z-]+:iam::aws:policy/(.+)$")
_ATTACHMENTS: Final = {
    t.ROLE_POLICY_ATTACHMENT: "policyArn",
    t.USER_POLICY_ATTACHMENT: "policyArn",
    t.GROUP_POLICY_ATTACHMENT: "policyArn",
    t.POLICY_ATTACHMENT: "policyArn",
    t.ROLE: "managedPolicyArns",
    t.ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: "policyArns",
}

Violations = Iterator[tuple[str, str]]


def attached(resource: StackResource) -> Any:
    """The policy ARN(s) the resource attaches (a string, a list, UNKNOWN or None)."""
    key = _ATTACHMENTS.get(resource.type)
    return resource.props.get(key) if key and resource.custom else None


def check_managed_policies(resources: Sequence[StackResource], settings: Settings) -> Violations:
    allowed = [str(p) for p in settings["allowedAwsManagedPolicies"]]
    stack = Stack(resources)
    declared = {arn for p in stack.of_type(t.POLICY) if (arn := text(p.props.get("arn")))}
    for resource in resources:
        value = attached(resource)
        if value is None:
            continue
        if is_unknown(value) or has_unknown(value):
            yield resource.urn, unverifiable(f"the policies {label(resource)!r} attaches")
            continue
        for arn in strings(value):
            if match := _AWS_MANAGED.match(arn):
                if match[1] not in allowed:
                    yield (
                        resource.urn,
                        f"attaches the AWS-managed policy {arn!r}; only {allowed} may be attached "
                        "(AWS decides what the others grant): attach a policy declared in this "
                        "stack that lists the exact actions and resources",
                    )
            elif arn not in declared:
                yield (
                    resource.urn,
                    f"attaches the customer policy {arn!r}, which is not declared in this stack, "
                    "so what it grants cannot be checked: declare it (aws.iam.Policy) here",
                )


POLICIES: Final = [
    stack_policy(
        "iam-managed-policies",
        "Only allowlisted AWS-managed policies, and customer policies declared in this stack",
        check_managed_policies,
        config=MANAGED_POLICIES_SCHEMA,
    ),
]
