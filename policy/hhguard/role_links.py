"""iam-declared-roles: a policy is attached only to a role this stack declares.

A role policy or attachment names its role by name (or ARN). On a role the stack does not
declare (the CI deployer's own, another stack's) it grants that role whatever the document
says, outside everything the other rules link to the stack's functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from . import aws_types as t
from .framework import Settings, StackResource, stack_policy
from .stack_links import Stack, label
from .values import is_unknown, text, unverifiable

_ROLE_USERS: Final = (t.ROLE_POLICY, t.ROLE_POLICY_ATTACHMENT, t.ROLE_POLICY_ATTACHMENTS_EXCLUSIVE)
_ROLE_KEY: Final = {t.ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: "roleName"}


def check_declared_roles(
    resources: Sequence[StackResource], _settings: Settings
) -> Iterator[tuple[str, str]]:
    stack = Stack(resources)
    declared: set[str] = set()
    for role in stack.of_type(t.ROLE):
        declared |= {v for k in ("name", "arn") if (v := text(role.props.get(k)))}
    for resource in (r for r in resources if r.custom and r.type in _ROLE_USERS):
        key = _ROLE_KEY.get(resource.type, "role")
        value = resource.props.get(key)
        if is_unknown(value):
            yield resource.urn, unverifiable(f"the role {label(resource)!r} is attached to")
        elif (name := text(value)) is not None and name not in declared:
            yield (
                resource.urn,
                (
                    f"{label(resource)!r} attaches a policy to role {name!r} ({key}), which this "
                    "stack does not declare: attach policies only to the stack's own roles "
                    "(role=<aws.iam.Role>.name)"
                ),
            )


POLICIES: Final = [
    stack_policy(
        "iam-declared-roles",
        "Role policies and attachments name only roles the stack declares",
        check_declared_roles,
    ),
]
