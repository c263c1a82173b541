"""Lambda functions: allowed runtimes, memory/timeout/layer bounds, and no public invoke."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Final

from pulumi_policy import EnforcementLevel

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import LAMBDA_LIMITS_SCHEMA, RUNTIME_DEPRECATION_SCHEMA, RUNTIMES_SCHEMA
from .runtimes import PYTHON_RUNTIME_DATES, SOURCE_URL, today
from .values import fmt, is_unknown, number, text

# What Lambda uses when a function leaves them out.
DEFAULT_MEMORY_MB: Final = 128
DEFAULT_TIMEOUT_SECONDS: Final = 3


def check_runtime(resource: Resource, settings: Settings) -> Iterator[str]:
    """An allowed runtime that Lambda still lets anyone create (past its create-block date,
    CreateFunction fails; a stack made before can no longer be updated soon after)."""
    if resource.type != t.FUNCTION:
        return
    allowed = [str(r) for r in settings["allowedRuntimes"]]
    runtime = resource.props.get("runtime")
    if runtime is None:
        yield f"runtime is not set; set it to one of {', '.join(allowed)}"
        return
    if is_unknown(runtime):
        return
    dates = PYTHON_RUNTIME_DATES.get(str(runtime))
    day = today(settings)
    if dates is not None and day >= dates.create_blocked:
        yield (
            f"runtime {runtime!r}: Lambda blocks creating functions on it since "
            f"{dates.create_blocked} (deprecated {dates.deprecated}, updates blocked from "
            f"{dates.update_blocked}; {SOURCE_URL}); use one of {', '.join(allowed)}"
        )
    elif runtime not in allowed:
        yield f"runtime {runtime!r} is not allowed; use one of {', '.join(allowed)}"


def check_runtime_deprecation(resource: Resource, settings: Settings) -> Iterator[str]:
    """Advisory: a runtime whose deprecation is near or past, while it can still be created."""
    if resource.type != t.FUNCTION:
        return
    runtime = text(resource.props.get("runtime"))
    dates = PYTHON_RUNTIME_DATES.get(runtime or "")
    day = today(settings)
    if dates is None or day >= dates.create_blocked:
        return  # unknown here, or already mandatory under lambda-runtime
    warning = timedelta(days=int(settings["warningDays"]))
    if day >= dates.deprecated - warning:
        when = "was deprecated on" if day >= dates.deprecated else "will be deprecated on"
        yield (
            f"runtime {runtime!r} {when} {dates.deprecated}; Lambda blocks creating functions "
            f"on it from {dates.create_blocked} and updating them from {dates.update_blocked}: "
            "move to a newer runtime"
        )


def check_limits(resource: Resource, settings: Settings) -> Iterator[str]:
    if resource.type != t.FUNCTION:
        return
    props = resource.props
    memory = number(props.get("memorySize", DEFAULT_MEMORY_MB))
    max_memory = float(settings["maxMemoryMb"])
    if memory is not None and memory > max_memory:
        yield (
            f"memorySize {fmt(memory)} MB is above the {fmt(max_memory)} MB limit; lower it "
            "(or raise lambda-limits.maxMemoryMb in the policy config)"
        )
    timeout = number(props.get("timeout", DEFAULT_TIMEOUT_SECONDS))
    max_timeout = float(settings["maxTimeoutSeconds"])
    if timeout is not None and timeout > max_timeout:
        yield (
            f"timeout {fmt(timeout)} s is above the {fmt(max_timeout)} s limit; lower it "
            "(or raise lambda-limits.maxTimeoutSeconds in the policy config)"
        )
    layers = props.get("layers")
    max_layers = float(settings["maxLayers"])
    if isinstance(layers, list) and len(layers) > max_layers:
        yield (
            f"uses {len(layers)} layers; at most {fmt(max_layers)} are allowed: merge them "
            "into fewer layers"
        )


def check_public_invoke(resource: Resource, _settings: Settings) -> Iterator[str]:
    props = resource.props
    if resource.type == t.FUNCTION_URL and props.get("authorizationType") == "NONE":
        yield (
            "function URL has authorizationType 'NONE', so anyone on the internet can invoke "
            "the function; use 'AWS_IAM'"
        )
    if resource.type == t.PERMISSION and props.get("principal") == "*":
        action = text(props.get("action")) or "lambda:InvokeFunction"
        yield (
            f"grants {action} to principal '*' (anyone); name the calling service "
            "(e.g. 'events.amazonaws.com') or account instead"
        )


POLICIES: Final = [
    resource_policy(
        "lambda-runtime",
        "Lambda functions use an allowed runtime that Lambda still lets anyone create",
        check_runtime,
        config=RUNTIMES_SCHEMA,
    ),
    resource_policy(
        "lambda-runtime-deprecation",
        "Warns before a function's runtime is deprecated",
        check_runtime_deprecation,
        config=RUNTIME_DEPRECATION_SCHEMA,
        enforcement=EnforcementLevel.ADVISORY,
    ),
    resource_policy(
        "lambda-limits",
        "Lambda functions stay within the memory, timeout and layer-count limits",
        check_limits,
        config=LAMBDA_LIMITS_SCHEMA,
    ),
    resource_policy(
        "no-public-invoke",
        "No function URL without auth and no Lambda permission for principal '*'",
        check_public_invoke,
    ),
]
