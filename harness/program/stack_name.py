"""`python -m harness stack-name --branch B [--sdk-ref R --sdk-repository OWNER/NAME]`: the
ephemeral stack name CI uses for a branch of the test bed, and for a ref of the SDK under test."""

from __future__ import annotations

import argparse

from infra.errors import InfraError
from infra.naming import branch_stack_name


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness stack-name",
        description="Print the per-branch stack name (gh-<slug>, hashed when lossy or long; "
        "with --sdk-ref, gh-<branch>-sdk-<ref>-<hash>).",
    )
    parser.add_argument("--branch", required=True, help="git branch, e.g. feature/Login")
    parser.add_argument(
        "--sdk-ref", default="", help="the SDK's branch, tag or commit under test (empty: none)"
    )
    parser.add_argument(
        "--sdk-repository", default="", help="the repository --sdk-ref is in, e.g. owner/python-sdk"
    )
    args = parser.parse_args(argv)
    try:
        print(branch_stack_name(args.branch, args.sdk_ref, args.sdk_repository))
    except InfraError as exc:
        parser.error(str(exc))
    return 0
