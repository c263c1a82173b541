"""Names: valid for AWS, deterministic, and never shared by two stacks."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra import naming
from infra.errors import InfraError
from infra.spec import FUNCTIONS, SUPPORTED_RUNTIMES

# Pulumi stack names: alphanumerics, hyphens, underscores and periods, at most 100 characters.
stack_names = st.text(alphabet=st.sampled_from("abcXYZ019-_."), min_size=1, max_size=100)
# Git branch names can hold almost anything.
branch_names = st.text(min_size=1, max_size=250).filter(lambda b: b.strip() != "")
_NAME = re.compile(r"^honeyhive-[A-Za-z0-9_-]+$")

NAMERS: dict[str, tuple[Callable[[str], str], int]] = {
    **{
        f"function:{key}": (partial(naming.function_name, spec=spec), 64)
        for key, spec in FUNCTIONS.items()
    },
    **{
        f"role:{key}": (partial(naming.role_name, spec=spec), 64) for key, spec in FUNCTIONS.items()
    },
    **{
        f"role-policy:{key}": (partial(naming.role_policy_name, spec=spec), 128)
        for key, spec in FUNCTIONS.items()
    },
    **{f"layer:{rt}": (partial(naming.layer_name, runtime=rt), 140) for rt in SUPPORTED_RUNTIMES},
}


def test_readable_names_for_plain_stacks() -> None:
    spec = FUNCTIONS["working_sdk_test"]
    assert naming.function_name("ci", spec) == "honeyhive-ci-working-sdk-test"
    assert naming.role_name("ci", spec) == "honeyhive-ci-working-sdk-test-role"
    assert naming.role_policy_name("ci", spec) == "honeyhive-ci-working-sdk-test-logs"
    assert naming.layer_name("ci", "python3.12") == "honeyhive-ci-sdk-python3-12"
    assert naming.log_group_name("honeyhive-ci-baseline") == "/aws/lambda/honeyhive-ci-baseline"


def test_lossy_and_long_stacks_get_a_hash() -> None:
    spec = FUNCTIONS["baseline"]
    assert naming.function_name("CI", spec) != naming.function_name("ci", spec)
    assert naming.function_name("a.b", spec) != naming.function_name("a_b", spec)
    long_name = naming.function_name("x" * 100, spec)
    assert len(long_name) == 64 and "--" in long_name and long_name.endswith("-baseline")


@settings(max_examples=300, deadline=None)
@given(stack=stack_names)
def test_every_name_is_valid_for_aws(stack: str) -> None:
    for kind, (namer, limit) in NAMERS.items():
        name = namer(stack)
        assert _NAME.match(name), (kind, name)
        assert len(name) <= limit, (kind, name)
        assert namer(stack) == name, "deterministic"
    log_group = naming.log_group_name(naming.function_name(stack, FUNCTIONS["baseline"]))
    assert log_group.startswith("/aws/lambda/honeyhive-") and len(log_group) <= 512


@settings(max_examples=300, deadline=None)
@given(first=stack_names, second=stack_names)
def test_distinct_stacks_never_share_a_name(first: str, second: str) -> None:
    if first == second:
        return
    for kind, (namer, _) in NAMERS.items():
        assert namer(first) != namer(second), (kind, first, second)


@settings(max_examples=100, deadline=None)
@given(stack=stack_names)
def test_names_within_a_stack_are_distinct(stack: str) -> None:
    functions = [naming.function_name(stack, spec) for spec in FUNCTIONS.values()]
    roles = [naming.role_name(stack, spec) for spec in FUNCTIONS.values()]
    assert len(set(functions)) == len(functions) and len(set(roles)) == len(roles)


@pytest.mark.parametrize(
    ("branch", "expected"),
    [("main", "gh-main"), ("release-1-2", "gh-release-1-2")],
)
def test_branch_stack_names_stay_readable(branch: str, expected: str) -> None:
    assert naming.branch_stack_name(branch) == expected


@settings(max_examples=300, deadline=None)
@given(branch=branch_names)
def test_branch_stack_names_are_valid_stack_names(branch: str) -> None:
    stack = naming.branch_stack_name(branch)
    assert re.fullmatch(r"gh-[a-z0-9-]+", stack) and len(stack) <= naming.BRANCH_STACK_MAX
    assert naming.slug(stack) == stack, "a clean slug: resource names derived from it stay unhashed"


@settings(max_examples=300, deadline=None)
@given(first=branch_names, second=branch_names)
def test_distinct_branches_get_distinct_stacks(first: str, second: str) -> None:
    if first != second:
        assert naming.branch_stack_name(first) != naming.branch_stack_name(second)


def test_empty_branch_is_refused() -> None:
    with pytest.raises(InfraError, match="branch name is empty"):
        naming.branch_stack_name("  ")


@settings(max_examples=200, deadline=None)
@given(branch=branch_names)
def test_branch_stacks_keep_every_resource_name_unhashed(branch: str) -> None:
    stack = naming.branch_stack_name(branch)
    for kind, (namer, _) in NAMERS.items():
        assert namer(stack) == f"honeyhive-{stack}-" + namer("ci").removeprefix("honeyhive-ci-"), (
            kind
        )


sdk_refs = st.text(min_size=1, max_size=120).filter(lambda r: r.strip() != "")


@settings(max_examples=300, deadline=None)
@given(branch=branch_names, ref=sdk_refs)
def test_sdk_ref_stacks_are_valid_and_never_a_plain_branch_stack(branch: str, ref: str) -> None:
    stack = naming.branch_stack_name(branch, ref, "honeyhiveai/python-sdk")
    assert re.fullmatch(r"gh-[a-z0-9-]+", stack) and len(stack) <= naming.BRANCH_STACK_MAX
    assert naming.slug(stack) == stack
    assert stack != naming.branch_stack_name(branch)


@settings(max_examples=300, deadline=None)
@given(
    first=st.tuples(branch_names, sdk_refs, st.sampled_from(["a/sdk", "b/sdk"])),
    second=st.tuples(branch_names, sdk_refs, st.sampled_from(["a/sdk", "b/sdk"])),
)
def test_two_sdk_refs_never_share_a_stack(
    first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    if first != second:
        assert naming.branch_stack_name(*first) != naming.branch_stack_name(*second)


def test_an_sdk_ref_stack_stays_readable() -> None:
    stack = naming.branch_stack_name("main", "feature/otel-1.41", "honeyhiveai/python-sdk")
    assert stack.startswith("gh-main-sdk-feature-")
    assert naming.branch_stack_name("main", " ") == "gh-main", "a blank ref is no ref"
