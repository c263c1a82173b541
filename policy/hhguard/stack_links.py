"""What a function uses, found by the resolved value of its inputs: its role (the role whose
ARN it names), its layers (the layer versions whose ARNs it lists), its log group (the group
with the name it logs to, in its region). And the accounts the stack is in.

Links follow values, not the engine's dependency records: a dependency says which resources a
value was computed from, not which resource the value names (`role=other_role.arn` depends on
nothing the function uses if the ARN is written out, and a value computed from two roles depends
on both). A value that is unknown at preview links to nothing the rules can check, so it is
reported as unverifiable, never skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from . import aws_types as t
from .framework import StackResource
from .iam_documents import arn_account
from .limits import LAMBDA_LOG_GROUP_PREFIX
from .values import UNKNOWN, Unknown, has_unknown, is_unknown, strings, text

DEFAULT_ARCHITECTURE: Final = "x86_64"
# Types whose `arn` is computed by AWS (never an input the program could set).
_ACCOUNT_WITNESSES: Final = (t.ROLE, t.POLICY, t.FUNCTION, t.LOG_GROUP, t.LAYER_VERSION)


def label(resource: StackResource) -> str:
    """The AWS name when known, else the logical name."""
    for key in ("name", "layerName"):
        if name := text(resource.props.get(key)):
            return name
    return resource.name


def architectures(function: StackResource) -> list[str] | None:
    """The function's architectures (Lambda's default when unset); None when unknown."""
    value = function.props.get("architectures")
    if value is None:
        return [DEFAULT_ARCHITECTURE]
    if has_unknown(value):
        return None
    return strings(value)


@dataclass(frozen=True)
class Stack:
    resources: Sequence[StackResource]

    def of_type(self, resource_type: str) -> list[StackResource]:
        return [r for r in self.resources if r.type == resource_type and r.custom]

    def own_accounts(self) -> set[str]:
        """The accounts this stack is in: those its providers are pinned to, and those in the
        ARNs AWS computed for its resources."""
        accounts = {a for r in self.resources for a in r.allowed_accounts}
        for resource in self.resources:
            arn = text(resource.props.get("arn")) if resource.type in _ACCOUNT_WITNESSES else None
            if arn and (account := arn_account(arn)):
                accounts.add(account)
        return accounts

    def role_of(self, function: StackResource) -> StackResource | str | Unknown | None:
        """The declared Role whose ARN the function names, else that ARN; UNKNOWN when the
        value is unknown at preview; None when there is no role."""
        value = function.props.get("role")
        if is_unknown(value):
            return UNKNOWN
        arn = text(value)
        if arn is None:
            return None
        return next((r for r in self.of_type(t.ROLE) if r.props.get("arn") == arn), arn)

    def layers_of(self, function: StackResource) -> tuple[list[StackResource], list[str], bool]:
        """The declared LayerVersions the function lists, the ARNs of layers declared elsewhere,
        and whether any of its layers is unknown at preview."""
        value = function.props.get("layers")
        if has_unknown(value):
            return [], [], True
        declared: list[StackResource] = []
        external: list[str] = []
        for arn in strings(value):
            match = [v for v in self.of_type(t.LAYER_VERSION) if v.props.get("arn") == arn]
            declared += [v for v in match if v not in declared]
            if not match:
                external.append(arn)
        return declared, external, False

    def log_group_name_of(self, function: StackResource) -> str | Unknown | None:
        """Where the function logs: `loggingConfig.logGroup`, else /aws/lambda/<name>."""
        config = function.props.get("loggingConfig")
        if is_unknown(config):
            return UNKNOWN
        configured = config.get("logGroup") if isinstance(config, dict) else None
        if configured is not None:
            return UNKNOWN if is_unknown(configured) else text(configured)
        name = function.props.get("name")
        if is_unknown(name):
            return UNKNOWN
        return LAMBDA_LOG_GROUP_PREFIX + name if isinstance(name, str) else None

    def log_groups_of(self, function: StackResource, name: str) -> list[StackResource]:
        """The declared log groups named `name` in the function's region."""
        return [
            group
            for group in self.of_type(t.LOG_GROUP)
            if group.props.get("name") == name and group.region == function.region
        ]
