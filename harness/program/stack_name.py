"""`python -m harness stack-name --branch B`: the ephemeral stack name CI uses for a branch."""

from __future__ import annotations

import argparse

from infra.errors import InfraError
from infra.naming import branch_stack_name


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness stack-name",
        description="Print the per-branch stack name (gh-<slug>, hashed when lossy or long).",
    )
    parser.add_argument("--branch", required=True, help="git branch, e.g. feature/Login")
    args = parser.parse_args(argv)
    try:
        print(branch_stack_name(args.branch))
    except InfraError as exc:
        parser.error(str(exc))
    return 0
