"""allowed-resource-types: the stack declares only the types the test bed needs.

Every rule here reads specific types; a type no rule reads (an S3 bucket policy, an IAM user
with an access key, a CloudFormation stack or a Cloud Control resource that creates anything)
would pass unread. So every custom resource and provider must be of an allowlisted type:
`allowedTypes` for any program, plus `allowedTypesByProject` for the Pulumi project named by its
key (the bootstrap's OIDC provider, boundary policy and state bucket). Components declare
nothing themselves (their children are checked) and are not listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import RESOURCE_TYPES_SCHEMA


def check_types(resource: Resource, settings: Settings) -> Iterator[str]:
    is_provider = resource.type.startswith(t.PROVIDER_PREFIX)
    if not (resource.custom or is_provider) or resource.type == t.ROOT_STACK:
        return
    by_project = settings["allowedTypesByProject"]
    extra = by_project.get(resource.project, []) if isinstance(by_project, dict) else []
    allowed = [str(a) for a in settings["allowedTypes"]] + [str(a) for a in extra]
    if resource.type not in allowed:
        yield (
            f"{resource.type} is not a resource type this stack may declare (allowed: "
            f"{sorted(set(allowed))}); remove it, or add it to allowed-resource-types."
            "allowedTypes in the policy config once the rules cover it"
        )


POLICIES: Final = [
    resource_policy(
        "allowed-resource-types",
        "Only allowlisted resource types and providers are declared",
        check_types,
        config=RESOURCE_TYPES_SCHEMA,
    ),
]
