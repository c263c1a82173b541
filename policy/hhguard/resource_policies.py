"""resource-policies: who a resource-based policy lets in.

A bucket, queue or topic policy (and the others in aws_types.RESOURCE_POLICY_HOLDERS), a Lambda
permission and a layer version permission grant access to principals outside the identity
policies this pack checks. None may grant to anyone (`"*"`, `{"AWS": "*"}`, NotPrincipal), and a
grant to an AWS service must name the source (the `aws:SourceArn`/`aws:SourceAccount` condition,
a permission's `sourceArn`/`sourceAccount`): otherwise any account's resource of that service
can use it (the confused deputy). A Lambda permission for `*` is no-public-invoke's to report.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .iam import allow_statements
from .iam_documents import Kind, is_public, principals
from .values import is_unknown, text, unverifiable

SOURCE_KEYS: Final = frozenset({"aws:sourcearn", "aws:sourceaccount"})
_SERVICE_SUFFIX: Final = ".amazonaws.com"


def _document_problems(resource: Resource) -> Iterator[str]:
    for label, statement in allow_statements(resource, Kind.RESOURCE):
        if statement.not_principal is not None:
            yield (
                f"{label} {statement.label} uses NotPrincipal, which lets in everyone else: "
                "name the principals under Principal"
            )
        for kind, value in principals(statement.principal):
            if is_public(kind, value):
                yield (
                    f"{label} {statement.label} allows anyone ({kind} {value!r}) to "
                    f"{list(statement.actions) or list(statement.not_actions)}: name the "
                    "accounts, roles or services instead"
                )
            elif kind == "Service" and not statement.condition_keys() & SOURCE_KEYS:
                yield (
                    f"{label} {statement.label} allows service {value!r} without an "
                    "aws:SourceArn or aws:SourceAccount condition, so any account's resources "
                    "of that service can use it: add the condition"
                )


def _permission_problems(resource: Resource) -> Iterator[str]:
    props = resource.props
    principal = props.get("principal")
    if is_unknown(principal):
        yield unverifiable("the permission's principal")
        return
    if resource.type == t.LAYER_VERSION_PERMISSION:
        if principal == "*":
            yield ("shares the layer version with principal '*' (every account): name the account")
        return
    value = text(principal) or ""
    sourced = props.get("sourceArn") is not None or props.get("sourceAccount") is not None
    if value.endswith(_SERVICE_SUFFIX) and not sourced:
        yield (
            f"grants {text(props.get('action')) or 'lambda:InvokeFunction'} to service "
            f"{value!r} without sourceArn or sourceAccount, so any account's {value} "
            "resources can invoke the function: set source_arn"
        )


def check_resource_policies(resource: Resource, _settings: Settings) -> Iterator[str]:
    if not resource.is_aws:
        return
    yield from _document_problems(resource)
    if resource.type in (t.PERMISSION, t.LAYER_VERSION_PERMISSION):
        yield from _permission_problems(resource)


POLICIES: Final = [
    resource_policy(
        "resource-policies",
        "Resource-based policies and permissions let in no one at large, and services only "
        "with a source condition",
        check_resource_policies,
    ),
]
