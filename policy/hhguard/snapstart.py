"""lambda-snapstart: a function with SnapStart on is one Lambda can snapshot.

SnapStart (`snapStart.applyOn = PublishedVersions`) needs python3.12 or later and refuses
Amazon EFS, ephemeral storage over 512 MB and provisioned concurrency
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html). Lambda says so only when the
version is published, half-way through a deploy; this says it at preview. A copy of the
program's `infra/snapstart.py` facts (tests/policy/test_agreement.py pins it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from . import aws_types as t
from .framework import Settings, StackResource, stack_policy
from .values import NotAnInteger, bridge_int, is_unknown, text, unverifiable

SNAPSTART_DOC_URL: Final = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html"
SNAPSTART_MIN_PYTHON: Final = (3, 12)
EPHEMERAL_STORAGE_MAX_MB: Final = 512

Violations = Iterator[tuple[str, str]]


def runtime_supports_snapstart(runtime: str) -> bool:
    major, _, minor = runtime.removeprefix("python").partition(".")
    if not runtime.startswith("python") or not (major.isdigit() and minor.isdigit()):
        return False
    return (int(major), int(minor)) >= SNAPSTART_MIN_PYTHON


def snapstart_on(function: StackResource) -> bool | None:
    """True/False, or None when the preview cannot know."""
    config = function.props.get("snapStart")
    if is_unknown(config):
        return None
    apply_on = config.get("applyOn") if isinstance(config, dict) else None
    if is_unknown(apply_on):
        return None
    return apply_on == "PublishedVersions"


def _function_problems(function: StackResource) -> Iterator[str]:
    runtime = function.props.get("runtime")
    name = text(function.props.get("name")) or function.name
    if is_unknown(runtime):
        yield unverifiable(f"the runtime of SnapStart function {name!r}")
    elif not runtime_supports_snapstart(str(runtime or "")):
        yield (
            f"function {name!r} turns SnapStart on with runtime {runtime!r}, which has none "
            f"(python3.12 and later; {SNAPSTART_DOC_URL}): use python3.12 or later, or remove "
            "snapStart"
        )
    storage: Any = function.props.get("ephemeralStorage")
    size = storage.get("size") if isinstance(storage, dict) else None
    if is_unknown(storage) or is_unknown(size):
        yield unverifiable(f"the ephemeral storage of SnapStart function {name!r}")
    elif size is not None:
        try:
            mb = bridge_int(size)
        except NotAnInteger:
            mb = None
        if mb is None or mb > EPHEMERAL_STORAGE_MAX_MB:
            yield (
                f"function {name!r} turns SnapStart on with ephemeral storage "
                f"{mb if mb is not None else repr(size)} MB; "
                f"SnapStart allows at most {EPHEMERAL_STORAGE_MAX_MB} MB ({SNAPSTART_DOC_URL}): "
                "lower ephemeralStorage.size or remove snapStart"
            )
    if function.props.get("fileSystemConfig") is not None:
        yield (
            f"function {name!r} turns SnapStart on and mounts an EFS file system "
            f"(fileSystemConfig); SnapStart cannot be used with Amazon EFS ({SNAPSTART_DOC_URL}): "
            "remove one of them"
        )


def check_snapstart(resources: Sequence[StackResource], _settings: Settings) -> Violations:
    snap_names: dict[str, StackResource] = {}
    for function in (r for r in resources if r.type == t.FUNCTION):
        on = snapstart_on(function)
        if on is None:
            yield function.urn, unverifiable("whether the function turns SnapStart on")
            continue
        if not on:
            continue
        snap_names[text(function.props.get("name")) or ""] = function
        snap_names[text(function.props.get("arn")) or ""] = function
        for problem in _function_problems(function):
            yield function.urn, problem
    for config in (r for r in resources if r.type == t.PROVISIONED_CONCURRENCY):
        target = config.props.get("functionName")
        if is_unknown(target):
            yield config.urn, unverifiable("the function of a provisioned concurrency config")
        elif (snapped := snap_names.get(text(target) or "")) is not None:
            yield (
                config.urn,
                f"provisioned concurrency on function {text(target)!r}, which turns SnapStart "
                f"on; SnapStart cannot be used with provisioned concurrency ({SNAPSTART_DOC_URL})"
                f": remove the ProvisionedConcurrencyConfig or snapStart on {snapped.name!r}",
            )


POLICIES: Final = [
    stack_policy(
        "lambda-snapstart",
        "A function with SnapStart on runs python3.12+ with no EFS, ephemeral storage over "
        "512 MB or provisioned concurrency",
        check_snapstart,
    ),
]
