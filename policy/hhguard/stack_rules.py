"""Rules over the whole stack: what each function uses must be declared here and fit it.

- lambda-layer-compatible: every layer a function uses is declared in the stack and lists the
  function's runtime and architecture.
- lambda-log-groups: every function's log group is declared (same name, same region), and every
  log group keeps its logs for a bounded, non-zero number of days (CloudWatch reads 0 or no
  retention as "never expire").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from . import aws_types as t
from .framework import Settings, StackResource, stack_policy
from .limits import RETENTION_SCHEMA
from .stack_links import Stack, architectures, label
from .values import (
    NotAnInteger,
    bridge_int,
    fmt,
    has_unknown,
    is_unknown,
    strings,
    text,
    unverifiable,
)

Violations = Iterator[tuple[str, str]]


def _compatibility(function: StackResource, layer: StackResource) -> Iterator[str]:
    runtime = text(function.props.get("runtime"))
    name, layer_name = label(function), label(layer)
    runtimes = layer.props.get("compatibleRuntimes")
    if has_unknown(runtimes):
        yield unverifiable(f"the compatibleRuntimes of layer {layer_name!r}")
    elif runtime and not strings(runtimes):
        yield (
            f"function {name!r} ({runtime}) uses layer {layer_name!r}, which declares no "
            f"compatibleRuntimes: set compatibleRuntimes=[{runtime!r}] on the layer built "
            "for it"
        )
    elif runtime and runtime not in strings(runtimes):
        yield (
            f"function {name!r} runs {runtime} but layer {layer_name!r} is built for "
            f"{strings(runtimes)}: attach the layer built for {runtime}"
        )
    arches = architectures(function)
    layer_arches = layer.props.get("compatibleArchitectures")
    if arches is None or has_unknown(layer_arches):
        yield unverifiable(f"the architectures of function {name!r} and layer {layer_name!r}")
    elif not strings(layer_arches):
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
        layers, external, unknown = stack.layers_of(function)
        if unknown:
            yield function.urn, unverifiable(f"the layers of function {label(function)!r}")
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
    if is_unknown(days):
        return unverifiable("retentionInDays")
    try:
        value = bridge_int(days)
    except NotAnInteger as exc:
        return f"retentionInDays {exc}: {bounds}"
    if value is None or value == 0:
        shown = "not set" if value is None else "0"
        return f"retentionInDays is {shown}, so CloudWatch never expires the logs: {bounds}"
    if not low <= value <= high:
        return f"retentionInDays {value} is outside the allowed range: {bounds}"
    return None


def check_log_groups(resources: Sequence[StackResource], settings: Settings) -> Violations:
    stack = Stack(resources)
    for function in stack.of_type(t.FUNCTION):
        name = stack.log_group_name_of(function)
        if is_unknown(name) or has_unknown(function.region):
            yield function.urn, unverifiable(f"where function {label(function)!r} logs")
        elif isinstance(name, str) and not stack.log_groups_of(function, name):
            message = (
                f"function {label(function)!r} logs to {name!r}, which is not declared in this "
                "stack in its region (Lambda would create it with no retention): declare "
                f"aws.cloudwatch.LogGroup named {name!r} with retentionInDays"
            )
            yield function.urn, message
    for group in stack.of_type(t.LOG_GROUP):
        days = group.props.get("retentionInDays")
        if problem := retention_problem(days, settings):
            yield group.urn, f"log group {label(group)!r}: {problem}"


POLICIES: Final = [
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
