"""AWS names derived from the Pulumi stack name.

A name is `honeyhive-<stack slug>-<component>`. The slug is the stack name lowercased with every
run of characters outside `[a-z0-9]` turned into one `-` (IAM role names ignore case, and bucket
names allow neither case nor `_`). When that loses information (the slug differs from the stack
name) or the name would exceed the AWS limit, the slug is truncated and followed by `--` and a
hash of the exact stack name. Slugs never contain `--`, so hashed and unhashed names can never
collide, and distinct stacks get distinct names.
"""

from __future__ import annotations

import hashlib
import json
import re

from infra.errors import InfraError
from infra.spec import (
    FUNCTION_NAME_MAX,
    LAYER_NAME_MAX,
    LOG_GROUP_PREFIX,
    NAME_PREFIX,
    ROLE_NAME_MAX,
    ROLE_POLICY_NAME_MAX,
    FunctionSpec,
)

HASH_CHARS = 10
BRANCH_STACK_PREFIX = "gh-"
# Longest stack part that keeps every resource name unhashed: the role name
# `honeyhive-<stack>-working-sdk-test-role` must fit in 64 characters.
BRANCH_STACK_MAX = 32
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lowercase, runs of other characters become one `-`, no `-` at either end."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def _fit(stem: str, exact: str, max_len: int, fixed: int) -> str:
    """`stem`, or a truncated stem plus `--hash(exact)` when lossy or longer than allowed.

    `fixed` is the length of everything around the stem in the final name.
    """
    if stem == exact and fixed + len(stem) <= max_len:
        return stem
    marker = f"--{_digest(exact)}"
    room = max_len - fixed - len(marker)
    if room < 0:
        raise ValueError(f"no room for a hashed name: {max_len=} {fixed=}")
    return stem[:room].rstrip("-") + marker


def resource_name(stack: str, component: str, max_len: int) -> str:
    """`honeyhive-<stack part>-<component>` within `max_len` characters."""
    if slug(component) != component:
        raise ValueError(f"component {component!r} must be a slug")
    fixed = len(NAME_PREFIX) + 1 + len(component)
    return f"{NAME_PREFIX}{_fit(slug(stack), stack, max_len, fixed)}-{component}"


def _component(spec: FunctionSpec, variant: str) -> str:
    """The function's slug, plus `-<variant>` for another copy of it (the benchmark's base)."""
    return f"{spec.slug}-{variant}" if variant else spec.slug


def function_name(stack: str, spec: FunctionSpec, variant: str = "") -> str:
    return resource_name(stack, _component(spec, variant), FUNCTION_NAME_MAX)


def role_name(stack: str, spec: FunctionSpec, variant: str = "") -> str:
    return resource_name(stack, f"{_component(spec, variant)}-role", ROLE_NAME_MAX)


def role_policy_name(stack: str, spec: FunctionSpec, variant: str = "") -> str:
    return resource_name(stack, f"{_component(spec, variant)}-logs", ROLE_POLICY_NAME_MAX)


def layer_name(stack: str, runtime: str, variant: str = "") -> str:
    middle = f"{variant}-" if variant else ""
    return resource_name(stack, f"sdk-{middle}{slug(runtime)}", LAYER_NAME_MAX)


def log_group_name(function: str) -> str:
    """Lambda's default log group for a function; the one we create and retain."""
    return f"{LOG_GROUP_PREFIX}{function}"


def branch_stack_name(branch: str, sdk_ref: str = "", sdk_repository: str = "") -> str:
    """The ephemeral stack for a git branch: `gh-<slug>`, plus `-<hash>` when lossy or long.

    With an SDK ref (CI testing a branch, tag or commit of the SDK, from `sdk_repository`), the
    stack is `gh-<branch slug>-sdk-<ref slug>-<hash of all three>`: two SDK refs, or the same ref
    of two repositories, never share a stack, and none shares one with a plain branch stack.
    The result is itself a clean slug, so the resource names derived from it stay readable.
    """
    if not branch.strip():
        raise InfraError("branch name is empty: pass the git branch, e.g. `feature/login`")
    if sdk_ref.strip():
        stem = f"{slug(branch)}-sdk-{slug(sdk_ref)}"
        exact = json.dumps([branch, sdk_repository.strip(), sdk_ref.strip()])
    else:
        stem = exact = slug(branch)
        if stem == branch and len(BRANCH_STACK_PREFIX) + len(stem) <= BRANCH_STACK_MAX:
            return BRANCH_STACK_PREFIX + stem
        exact = branch
    digest = _digest(exact)
    room = BRANCH_STACK_MAX - len(BRANCH_STACK_PREFIX) - len(digest) - 1
    kept = stem[:room].strip("-")
    return f"{BRANCH_STACK_PREFIX}{kept}-{digest}" if kept else f"{BRANCH_STACK_PREFIX}{digest}"
