"""Rules are plain functions; this wraps them as pulumi_policy policies.

A resource check takes a `Resource` (plain values, see `values.plain`) and the policy's settings
and yields one message per violation. A stack check takes every `StackResource` and yields
`(urn, message)` pairs. Tests call the checks directly for pure helpers and go through the
analyzer protocol (the real pack process) for everything else.
"""

from __future__ import annotations

import json
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
    """Inputs of the resource's provider (e.g. `defaultTags`). The engine sends them for every
    custom resource (a default provider's are the stack's `aws:*` config) and for no component,
    so their presence is what tells a resource that AWS creates from a component."""
    provider_name: str = ""
    """The provider resource's logical name (`default...` for a default provider)."""
    protect: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def custom(self) -> bool:
        return self.provider_props is not None

    @property
    def is_aws(self) -> bool:
        """A resource the AWS provider creates (not a provider, component or the stack)."""
        return self.custom and self.type.startswith("aws:")

    @property
    def stack(self) -> str:
        """The stack's name, from the URN (`urn:pulumi:<stack>::<project>::...`)."""
        return self.urn.removeprefix("urn:pulumi:").split("::", 1)[0]

    @property
    def project(self) -> str:
        parts = self.urn.split("::")
        return parts[1] if len(parts) > 1 else ""

    @property
    def region(self) -> Any:
        """The resource's own `region` (pulumi-aws 7), else its provider's; may be UNKNOWN."""
        own = self.props.get("region")
        return own if own is not None else (self.provider_props or {}).get("region")

    @property
    def allowed_accounts(self) -> list[str]:
        """The accounts the resource's provider is pinned to (`allowedAccountIds`)."""
        accounts = (self.provider_props or {}).get("allowedAccountIds")
        if isinstance(accounts, str):  # a default provider's config value is a JSON string
            try:
                accounts = json.loads(accounts)
            except ValueError:
                return []
        return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


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
            provider_name=args.provider.name if args.provider else "",
            protect=bool(args.opts.protect),
            aliases=tuple(str(a) for a in args.opts.aliases or ()),
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
        provider_name=resource.provider.name if resource.provider else "",
        protect=bool(resource.opts.protect),
        aliases=tuple(str(a) for a in resource.opts.aliases or ()),
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
