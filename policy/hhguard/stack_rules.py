"""Rules over the whole stack: what each function uses must be declared here and fit it.

- lambda-role-trust: a function's role is declared in the stack and trusted only by
  lambda.amazonaws.com, for sts:AssumeRole only.
- lambda-layer-compatible: every layer a function uses is declared in the stack and lists the
  function's runtime and architecture.
- lambda-log-groups: every function's log group is declared, and every log group keeps its logs
  for a bounded, non-zero number of days (CloudWatch reads 0 or no retention as "never expire").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from . import aws_types as t
from .framework import Settings, StackResource, stack_policy
from .iam_documents import DocumentError, principals, statements
from .limits import RETENTION_SCHEMA
from .stack_links import Stack, architectures, label
from .values import fmt, is_unknown, number, strings, text

LAMBDA_SERVICE: Final = "lambda.amazonaws.com"
ASSUME_ROLE: Final = "sts:assumerole"

Violations = Iterator[tuple[str, str]]


def trust_problems(trust_policy: object) -> Iterator[str]:
    """What lets anything but Lambda assume the role, or keeps Lambda from assuming it."""
    try:
        found = statements(trust_policy)
    except DocumentError as exc:
        yield f"assumeRolePolicy cannot be checked: {exc}"
        return
    if found is None:
        return  # not known during this preview
    trusts_lambda = False
    for statement in (s for s in found if s.allows):
        if statement.not_principal is not None:
            yield f"trust {statement.label} uses NotPrincipal; name lambda.amazonaws.com only"
        others = [
            f"{kind}:{value}"
            for kind, value in principals(statement.principal)
            if (kind, value) != ("Service", LAMBDA_SERVICE)
        ]
        if others:
            yield (
                f"trust {statement.label} also trusts {others}; a Lambda role must be trusted "
                f"only by Service {LAMBDA_SERVICE}"
            )
        actions = [a for a in statement.actions if a.lower() != ASSUME_ROLE]
        actions += [f"NotAction {a}" for a in statement.not_actions]
        if actions:
            yield f"trust {statement.label} allows {actions}; allow only sts:AssumeRole"
        if ("Service", LAMBDA_SERVICE) in set(principals(statement.principal)):
            trusts_lambda = True
    if not trusts_lambda:
        yield f"the trust policy does not let {LAMBDA_SERVICE} assume the role"


def check_role_trust(resources: Sequence[StackResource], _settings: Settings) -> Violations:
    stack = Stack(resources)
    users: dict[str, list[str]] = {}
    roles: dict[str, StackResource] = {}
    for function in stack.of_type(t.FUNCTION):
        role = stack.role_of(function)
        if isinstance(role, str):
            message = (
                f"function {label(function)!r} uses role {role!r}, which is not declared in this "
                "stack, so its trust policy cannot be checked: declare the role in the program"
            )
            yield function.urn, message
        elif role is not None:
            roles[role.urn] = role
            users.setdefault(role.urn, []).append(label(function))
    for urn, role in roles.items():
        for problem in trust_problems(role.props.get("assumeRolePolicy")):
            yield urn, f"role {label(role)!r} (used by {users[urn]}): {problem}"


def _compatibility(function: StackResource, layer: StackResource) -> Iterator[str]:
    runtime = text(function.props.get("runtime"))
    name, layer_name = label(function), label(layer)
    runtimes = layer.props.get("compatibleRuntimes")
    if runtime and not is_unknown(runtimes):
        if not strings(runtimes):
            yield (
                f"function {name!r} ({runtime}) uses layer {layer_name!r}, which declares no "
                f"compatibleRuntimes: set compatibleRuntimes=[{runtime!r}] on the layer built "
                "for it"
            )
        elif runtime not in strings(runtimes):
            yield (
                f"function {name!r} runs {runtime} but layer {layer_name!r} is built for "
                f"{strings(runtimes)}: attach the layer built for {runtime}"
            )
    arches = architectures(function)
    layer_arches = layer.props.get("compatibleArchitectures")
    if arches is None or is_unknown(layer_arches):
        return
    if not strings(layer_arches):
        yield (
            f"function {name!r} ({', '.join(arches)}) uses layer {layer_name!r}, which declares "
            f"no compatibleArchitectures: set compatibleArchitectures={arches!r} on the layer"
        )
    elif missing := [a for a in arches if a not in strings(layer_arches)]:
        yield (
            f"function {name!r} runs on {missing} but layer {layer_name!r} is built for "
            f"{strings(layer_arches)}: attach the layer built for {missing[0]}"
        )


def check_layer_compatibility(
    resources: Sequence[StackResource], _settings: Settings
) -> Violations:
    stack = Stack(resources)
    for function in stack.of_type(t.FUNCTION):
        layers, external = stack.layers_of(function)
        for arn in external:
            message = (
                f"function {label(function)!r} uses layer {arn!r}, which is not declared in this "
                "stack, so its runtime and architecture cannot be checked: declare the layer in "
                "the program"
            )
            yield function.urn, message
        for layer in layers:
            for problem in _compatibility(function, layer):
                yield function.urn, problem


def retention_problem(days: object, settings: Settings) -> str | None:
    low, high = float(settings["minRetentionDays"]), float(settings["maxRetentionDays"])
    bounds = f"set retentionInDays between {fmt(low)} and {fmt(high)}"
    value = number(days)
    if days is None or value == 0:
        shown = "not set" if days is None else "0"
        return f"retentionInDays is {shown}, so CloudWatch never expires the logs: {bounds}"
    if value is not None and not low <= value <= high:
        return f"retentionInDays {fmt(value)} is outside the allowed range: {bounds}"
    return None


def check_log_groups(resources: Sequence[StackResource], settings: Settings) -> Violations:
    stack = Stack(resources)
    for function in stack.of_type(t.FUNCTION):
        name = stack.log_group_name_of(function)
        if name and not stack.log_groups_of(function):
            message = (
                f"function {label(function)!r} logs to {name!r}, which is not declared in this "
                "stack (Lambda would create it with no retention): declare "
                f"aws.cloudwatch.LogGroup named {name!r} with retentionInDays"
            )
            yield function.urn, message
    for group in stack.of_type(t.LOG_GROUP):
        days = group.props.get("retentionInDays")
        if not is_unknown(days) and (problem := retention_problem(days, settings)):
            yield group.urn, f"log group {label(group)!r}: {problem}"


POLICIES: Final = [
    stack_policy(
        "lambda-role-trust",
        "Roles used by Lambda functions are declared and trusted only by lambda.amazonaws.com",
        check_role_trust,
    ),
    stack_policy(
        "lambda-layer-compatible",
        "Every layer a function uses is declared and built for its runtime and architecture",
        check_layer_compatibility,
    ),
    stack_policy(
        "lambda-log-groups",
        "Each function has its declared log group; every log group has bounded, non-zero retention",
        check_log_groups,
        config=RETENTION_SCHEMA,
    ),
]
