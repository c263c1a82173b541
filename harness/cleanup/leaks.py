"""`python -m harness leaks --stack S [--region R]`: is anything of stack S still in AWS?

Run after `pulumi destroy`: lists every `honeyhive-*` function, role and log group tagged
`honeyhive:stack=S`, and every layer version whose description names stack S. Exit 0 when
there is none, 1 when there is (each one is printed) or when a kind could not be listed (the
check is then not a proof of cleanliness). Layer versions whose description does not parse are
printed as warnings: they cannot be attributed to a stack.

IAM's list calls are eventually consistent (a role deleted a moment ago may still be listed),
and so, briefly, are Lambda's: what is still there right after destroy is listed again after
5, 10, 20, 40 and 15 s (`--settle-seconds`, 90 by default) before it is called a leak.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator

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

SETTLE_SECONDS = 90.0
"""How long what destroy deleted may still be listed (IAM's eventual consistency)."""
FIRST_WAIT_SECONDS = 5.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness leaks",
        description="Fail if any AWS resource of a (destroyed) stack is still there.",
    )
    parser.add_argument("--stack", required=True, help="the Pulumi stack name, e.g. gh-main")
    parser.add_argument("--region", help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION)")
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=SETTLE_SECONDS,
        help="list again, with backoff, for up to this long before calling anything a leak "
        f"(default {SETTLE_SECONDS:g}; 0 checks once)",
    )
    return parser


def _of_stack(resource: Resource, stack: str) -> bool:
    """Tagged for `stack`; or, with no readable stack (a layer description that does not
    parse), named for it: a leak must not hide behind a description."""
    if resource.unparsed is not None:
        bare = resource.name.removeprefix(LOG_GROUP_PREFIX)
        return bare.startswith(f"{NAME_PREFIX}{stack}-")
    return stack_of(resource) == stack


def waits(total_s: float) -> Iterator[float]:
    """Doubling waits from FIRST_WAIT_SECONDS whose sum is `total_s` (the last one trimmed)."""
    waited, wait = 0.0, FIRST_WAIT_SECONDS
    while waited < total_s:
        step = min(wait, total_s - waited)
        yield step
        waited += step
        wait *= 2


def _listed(clients: Clients, stack: str) -> tuple[list[Resource], list[Resource], list[str]]:
    """Every resource found, those of `stack`, and the kinds that could not be listed."""
    found, failures = inventory(clients)
    leaked = sorted(
        (resource for resource in found if _of_stack(resource, stack)),
        key=lambda r: (list(ResourceKind).index(r.kind), r.label),
    )
    return found, leaked, failures


def leaks(
    clients: Clients,
    stack: str,
    *,
    settle_s: float = SETTLE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print what stack `stack` left behind, once it has stayed listed for `settle_s`; return
    the number of problems."""
    found, leaked, failures = _listed(clients, stack)
    for wait in waits(settle_s):
        if not leaked and not failures:
            break
        print(
            f"{len(leaked)} resource(s) of stack {stack} still listed"
            f"{f', {len(failures)} kind(s) not listed' if failures else ''}; the list calls are "
            f"eventually consistent: listing again in {wait:g} s"
        )
        sleep(wait)
        found, leaked, failures = _listed(clients, stack)
    for line in failures:
        print(f"ERROR {line}", file=sys.stderr)
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
        verdict = (
            f"{len(leaked)} resource(s) left; delete them with "
            f"`python -m harness sweep --stack {stack} --apply`"
        )
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
    if args.settle_seconds < 0:
        print("python -m harness leaks: --settle-seconds must be 0 or more", file=sys.stderr)
        return 2
    return 1 if leaks(clients, args.stack, settle_s=args.settle_seconds) else 0
