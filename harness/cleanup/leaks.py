"""`python -m harness leaks --stack S [--region R]`: is anything of stack S still in AWS?

Run after `pulumi destroy`: lists every `honeyhive-*` function, role and log group tagged
`honeyhive:stack=S`, and every layer version whose description names stack S. Exit 0 when
there is none, 1 when there is (each one is printed) or when a kind could not be listed (the
check is then not a proof of cleanliness). Layer versions whose description does not parse are
printed as warnings: they cannot be attributed to a stack.
"""

from __future__ import annotations

import argparse
import sys

from harness.cleanup.errors import RegionError
from harness.cleanup.inventory import (
    Clients,
    Resource,
    ResourceKind,
    connect,
    inventory,
    stack_of,
)
from infra.spec import LOG_GROUP_PREFIX, NAME_PREFIX


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness leaks",
        description="Fail if any AWS resource of a (destroyed) stack is still there.",
    )
    parser.add_argument("--stack", required=True, help="the Pulumi stack name, e.g. gh-main")
    parser.add_argument("--region", help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION)")
    return parser


def _of_stack(resource: Resource, stack: str) -> bool:
    """Tagged for `stack`; or, with no readable stack (a layer description that does not
    parse), named for it: a leak must not hide behind a description."""
    if resource.unparsed is not None:
        bare = resource.name.removeprefix(LOG_GROUP_PREFIX)
        return bare.startswith(f"{NAME_PREFIX}{stack}-")
    return stack_of(resource) == stack


def leaks(clients: Clients, stack: str) -> int:
    """Print what stack `stack` left behind; return the number of problems."""
    found, failures = inventory(clients)
    for line in failures:
        print(f"ERROR {line}", file=sys.stderr)
    leaked = sorted(
        (resource for resource in found if _of_stack(resource, stack)),
        key=lambda r: (list(ResourceKind).index(r.kind), r.label),
    )
    for resource in found:
        if resource.unparsed is not None:
            print(
                f"warning: {resource.label} has description {resource.unparsed!r}, "
                "which names no stack; check it by hand"
            )
    for resource in leaked:
        print(f"LEAK {resource.label} ({resource.arn})")
    if failures:
        verdict = "check incomplete (see errors above)"
    elif leaked:
        verdict = f"{len(leaked)} resource(s) left; delete them or run the sweeper"
    else:
        verdict = "clean"
    print(f"leaks stack={stack} region={clients.region}: {verdict}")
    return len(leaked) + len(failures)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if not args.stack.strip():
        print("python -m harness leaks: --stack is empty; pass the stack name", file=sys.stderr)
        return 2
    try:
        clients = connect(args.region)
    except RegionError as error:
        print(f"python -m harness leaks: {error}", file=sys.stderr)
        return 2
    return 1 if leaks(clients, args.stack) else 0
