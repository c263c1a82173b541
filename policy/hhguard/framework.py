"""Rules are plain functions; this wraps them as pulumi_policy policies.

A resource check takes a `Resource` (plain values, see `values.plain`) and the policy's settings
and yields one message per violation. A stack check takes every `StackResource` and yields
`(urn, message)` pairs. Tests call the checks directly for pure helpers and go through the
analyzer protocol (the real pack process) for everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .limits import schema, settings
from .values import plain

Settings = Mapping[str, Any]
Properties = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    """The logical name (the URN's last part), not the AWS name."""
    urn: str
    props: Mapping[str, Any]
    provider_props: Mapping[str, Any] | None = None
    """Inputs of the resource's provider (e.g. `defaultTags`), when the engine sent them."""


@dataclass(frozen=True)
class StackResource(Resource):
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


ResourceCheck = Callable[[Resource, Settings], Iterable[str]]
StackCheck = Callable[[Sequence[StackResource], Settings], Iterable[tuple[str, str]]]


def resource_policy(
    name: str,
    description: str,
    check: ResourceCheck,
    *,
    config: Properties | None = None,
    enforcement: EnforcementLevel | None = None,
) -> ResourceValidationPolicy:
    properties: Properties = config or {}

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        resource = Resource(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            props=plain(args.props),
            provider_props=plain(args.provider.props) if args.provider else None,
        )
        for message in check(resource, settings(args.get_config(), properties)):
            report(message, None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement,
        config_schema=schema(properties) if properties else None,
    )


def _stack_resource(resource: PolicyResource) -> StackResource:
    return StackResource(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        props=plain(resource.props),
        provider_props=plain(resource.provider.props) if resource.provider else None,
        parent=resource.parent.urn if resource.parent else "",
        dependencies=tuple(d.urn for d in resource.dependencies),
        property_dependencies={
            key: tuple(d.urn for d in deps) for key, deps in resource.property_dependencies.items()
        },
    )


def stack_policy(
    name: str,
    description: str,
    check: StackCheck,
    *,
    config: Properties | None = None,
    enforcement: EnforcementLevel | None = None,
) -> StackValidationPolicy:
    properties: Properties = config or {}

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [_stack_resource(r) for r in args.resources]
        for urn, message in check(resources, settings(args.get_config(), properties)):
            report(message, urn)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement,
        config_schema=schema(properties) if properties else None,
    )
