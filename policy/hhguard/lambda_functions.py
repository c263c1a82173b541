"""Lambda functions: allowed runtimes, memory/timeout/layer bounds, no public invoke, where they
may send the HoneyHive key (lambda-api-url, judged as the HTTP clients read a URL: api_urls.py)
and which variables their environment may hold (lambda-environment)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, Final

from pulumi_policy import EnforcementLevel

from . import aws_types as t
from .api_urls import UrlPolicy, url_problem
from .framework import Resource, Settings, resource_policy
from .limits import (
    API_URL_SCHEMA,
    API_URL_VARIABLES,
    ENVIRONMENT_SCHEMA,
    LAMBDA_LIMITS_SCHEMA,
    PROXY_VARIABLES,
    RUNTIME_DEPRECATION_SCHEMA,
    RUNTIMES_SCHEMA,
)
from .runtimes import PYTHON_RUNTIME_DATES, SOURCE_URL, today
from .values import (
    NotAnInteger,
    bridge_int,
    fmt,
    has_unknown,
    is_unknown,
    text,
    unverifiable,
)

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
        yield unverifiable("the runtime")
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


def _integer(props: Mapping[str, Any], key: str, default: int) -> tuple[int | None, str | None]:
    """The input as the provider reads it (Lambda's default when unset), or why it cannot be."""
    value = props.get(key)
    if is_unknown(value):
        return None, unverifiable(key)
    try:
        number = bridge_int(value)
    except NotAnInteger as exc:
        return None, f"{key} {exc}"
    return (default if number is None else number), None


def check_limits(resource: Resource, settings: Settings) -> Iterator[str]:
    if resource.type != t.FUNCTION:
        return
    props = resource.props
    for key, default, limit, unit, setting in (
        ("memorySize", DEFAULT_MEMORY_MB, settings["maxMemoryMb"], "MB", "maxMemoryMb"),
        (
            "timeout",
            DEFAULT_TIMEOUT_SECONDS,
            settings["maxTimeoutSeconds"],
            "s",
            "maxTimeoutSeconds",
        ),
    ):
        value, problem = _integer(props, key, default)
        if problem:
            yield problem
        elif value is not None and value > float(limit):
            yield (
                f"{key} {value} {unit} is above the {fmt(float(limit))} {unit} limit; lower it "
                f"(or raise lambda-limits.{setting} in the policy config)"
            )
    layers = props.get("layers")
    max_layers = float(settings["maxLayers"])
    if is_unknown(layers):
        yield unverifiable("the list of layers")
    elif isinstance(layers, list) and len(layers) > max_layers:
        yield (
            f"uses {len(layers)} layers; at most {fmt(max_layers)} are allowed: merge them "
            "into fewer layers"
        )


def check_public_invoke(resource: Resource, _settings: Settings) -> Iterator[str]:
    props = resource.props
    if resource.type == t.FUNCTION_URL:
        auth = props.get("authorizationType")
        if is_unknown(auth):
            yield unverifiable("the function URL's authorizationType")
        elif auth == "NONE":
            yield (
                "function URL has authorizationType 'NONE', so anyone on the internet can invoke "
                "the function; use 'AWS_IAM'"
            )
    if resource.type == t.PERMISSION:
        principal, url_auth = props.get("principal"), props.get("functionUrlAuthType")
        action = text(props.get("action")) or "lambda:InvokeFunction"
        if principal == "*":
            yield (
                f"grants {action} to principal '*' (anyone); name the calling service "
                "(e.g. 'events.amazonaws.com') or account instead"
            )
        if is_unknown(url_auth):
            yield unverifiable("the permission's functionUrlAuthType")
        elif url_auth == "NONE":
            yield f"grants {action} through a function URL with no auth (functionUrlAuthType NONE)"


def url_policy(resource: Resource, settings: Settings) -> UrlPolicy:
    """Where this stack's functions may send the key; loopback only on a never-deployed stack."""
    local = [str(s) for s in settings["loopbackStacks"]]
    return UrlPolicy(
        domains=[str(d) for d in settings["allowedApiHosts"]],
        ports=[int(p) for p in settings["allowedApiPorts"]],
        loopback=resource.stack in local,
    )


def check_api_url(resource: Resource, settings: Settings) -> Iterator[str]:
    """The SDK sends the HoneyHive key to its API URL: only to HoneyHive (or the local target's
    loopback ingest), never through a proxy, never without TLS verification."""
    if resource.type != t.FUNCTION:
        return
    environment = resource.props.get("environment")
    if has_unknown(environment):
        yield unverifiable("the function's environment")
        return
    variables = environment.get("variables") if isinstance(environment, dict) else None
    if not isinstance(variables, dict):
        return
    policy = url_policy(resource, settings)
    for name, value in variables.items():
        upper = str(name).upper()
        if upper in API_URL_VARIABLES and (problem := url_problem(str(value), policy)):
            yield f"{name} = {problem}: the SDK sends the HoneyHive key there"
        elif upper in PROXY_VARIABLES:
            yield f"{name} routes the SDK's requests, and the key, through a proxy: remove it"
        elif upper == "HH_VERIFY_SSL" and str(value).strip().lower() in ("0", "false", "no"):
            yield f"{name} = {value!r} turns off TLS verification of the requests with the key"


def check_environment(resource: Resource, settings: Settings) -> Iterator[str]:
    """A function's environment holds only the variables the program sets: any other one the
    SDK, its HTTP stack or Python reads (proxies, CA bundles, TLS switches, HTTP_CONFIG,
    PYTHONPATH, AWS_LAMBDA_EXEC_WRAPPER) could redirect the key or run other code."""
    if resource.type != t.FUNCTION:
        return
    environment = resource.props.get("environment")
    variables = environment.get("variables") if isinstance(environment, dict) else None
    if not isinstance(variables, dict):
        return  # unknown: lambda-api-url reports it
    allowed = [str(v) for v in settings["allowedVariables"]]
    for name in sorted(variables):
        if name not in allowed:
            yield (
                f"environment variable {name!r} is not one the test bed sets (allowed: "
                f"{', '.join(allowed)}); remove it, or add it to "
                "lambda-environment.allowedVariables once the SDK's use of it is checked"
            )


POLICIES: Final = [
    resource_policy(
        "lambda-environment",
        "Function environments hold only the variables the test bed sets",
        check_environment,
        config=ENVIRONMENT_SCHEMA,
    ),
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
        "lambda-api-url",
        "Functions send the HoneyHive key only to HoneyHive's https API (or a loopback ingest)",
        check_api_url,
        config=API_URL_SCHEMA,
    ),
    resource_policy(
        "no-public-invoke",
        "No function URL without auth and no Lambda permission for principal '*'",
        check_public_invoke,
    ),
]
