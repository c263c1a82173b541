"""Lambda functions: allowed runtimes, memory/timeout/layer bounds, and no public invoke."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import LAMBDA_LIMITS_SCHEMA, RUNTIMES_SCHEMA
from .values import fmt, is_unknown, number, text

# What Lambda uses when a function leaves them out.
DEFAULT_MEMORY_MB: Final = 128
DEFAULT_TIMEOUT_SECONDS: Final = 3


def check_runtime(resource: Resource, settings: Settings) -> Iterator[str]:
    if resource.type != t.FUNCTION:
        return
    allowed = [str(r) for r in settings["allowedRuntimes"]]
    runtime = resource.props.get("runtime")
    if runtime is None:
        yield f"runtime is not set; set it to one of {', '.join(allowed)}"
    elif not is_unknown(runtime) and runtime not in allowed:
        yield f"runtime {runtime!r} is not allowed; use one of {', '.join(allowed)}"


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
        "Lambda functions use an allowed runtime",
        check_runtime,
        config=RUNTIMES_SCHEMA,
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
