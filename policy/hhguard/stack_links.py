"""Which declared resources a function uses: its role, its layers, its log group.

A link is found by URN first (the engine's property dependencies: `role = role.arn` records the
role's URN under `role`), then by value (a known ARN or name equal to the target's output), so it
holds both in a preview, where ARNs are unknown, and for values the program wrote out by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from . import aws_types as t
from .framework import StackResource
from .limits import LAMBDA_LOG_GROUP_PREFIX
from .values import is_unknown, strings, text

DEFAULT_ARCHITECTURE: Final = "x86_64"


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
    if is_unknown(value) or any(is_unknown(v) for v in value):
        return None
    return strings(value)


@dataclass(frozen=True)
class Stack:
    resources: Sequence[StackResource]

    def of_type(self, resource_type: str) -> list[StackResource]:
        return [r for r in self.resources if r.type == resource_type]

    def _by_dependency(
        self, source: StackResource, key: str, resource_type: str
    ) -> list[StackResource]:
        urns = set(source.property_dependencies.get(key, ()))
        return [r for r in self.of_type(resource_type) if r.urn in urns]

    def role_of(self, function: StackResource) -> StackResource | str | None:
        """The function's Role, the ARN of a role not declared here, or None when unknown."""
        linked = self._by_dependency(function, "role", t.ROLE)
        if linked:
            return linked[0]
        arn = text(function.props.get("role"))
        if arn is None:
            return None
        role_name = arn.rsplit("/", 1)[-1]
        for role in self.of_type(t.ROLE):
            if arn == role.props.get("arn") or role_name == role.props.get("name"):
                return role
        return arn

    def layers_of(self, function: StackResource) -> tuple[list[StackResource], list[str]]:
        """The declared LayerVersions the function uses, and layer ARNs declared elsewhere."""
        declared = self._by_dependency(function, "layers", t.LAYER_VERSION)
        external: list[str] = []
        for arn in strings(function.props.get("layers")):
            match = [v for v in self.of_type(t.LAYER_VERSION) if v.props.get("arn") == arn]
            if not match:
                external.append(arn)
            declared += [v for v in match if v not in declared]
        return declared, external

    def log_group_name_of(self, function: StackResource) -> str | None:
        """Where the function logs: `loggingConfig.logGroup`, else /aws/lambda/<name>."""
        config = function.props.get("loggingConfig")
        configured = config.get("logGroup") if isinstance(config, dict) else None
        if configured is not None:
            return text(configured)
        name = text(function.props.get("name"))
        return LAMBDA_LOG_GROUP_PREFIX + name if name else None

    def log_groups_of(self, function: StackResource) -> list[StackResource]:
        """The declared log groups the function's logging points at (by URN or by name)."""
        linked = self._by_dependency(function, "loggingConfig", t.LOG_GROUP)
        name = self.log_group_name_of(function)
        linked += [g for g in self.of_type(t.LOG_GROUP) if name and g.props.get("name") == name]
        return _unique(linked)


def _unique(resources: Iterable[StackResource]) -> list[StackResource]:
    seen: dict[str, StackResource] = {}
    for resource in resources:
        seen.setdefault(resource.urn, resource)
    return list(seen.values())
