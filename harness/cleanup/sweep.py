"""`python -m harness sweep [--apply] [--region R] [--now ISO] [--stack S]`: delete what
outlived its TTL, or what one stack left behind.

Finds every `honeyhive-*` function, layer version, log group and role whose
`honeyhive:expires-at` (a layer's description, for layers) is in the past. Without `--apply`
it only prints what it would delete and why. With `--apply` it deletes them, functions first
(they use the roles and layers), a role's inline policies and attached managed policies before
the role. A failure is reported and the sweep goes on; the exit code is 1 if anything failed.
Resources that are live, marked `never`, untagged or malformed are never touched.

With `--stack S` (the teardown after an interrupted `up`, teardown.py) it deletes instead every
`honeyhive-*` resource tagged `honeyhive:stack=S` (a layer version: whose description names
S), expired or not: what a cancelled `up` created but never recorded, which `pulumi destroy`
cannot see. The bootstrap's stacks (`bootstrap-*`) are refused.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from harness.cleanup.errors import RegionError
from harness.cleanup.inventory import (
    Clients,
    Expiry,
    Resource,
    ResourceKind,
    connect,
    expiry,
    inventory,
    is_gone,
    live_stacks,
    stack_of,
)
from infra.spec import EXPIRES_AT_FORMAT

_KIND_ORDER = list(ResourceKind)
BOOTSTRAP_STACK_PREFIX = "bootstrap-"
"""The bootstrap tags its resources `honeyhive:stack=bootstrap-<stack>` (bootstrap/stack.py)."""


def _parse_now(value: str) -> datetime:
    try:
        return datetime.strptime(value, EXPIRES_AT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--now {value!r} is not YYYY-MM-DDTHH:MM:SSZ (UTC), e.g. 2026-01-31T12:00:00Z"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness sweep",
        description="Delete honeyhive-* AWS resources whose honeyhive:expires-at has passed "
        "(dry run unless --apply).",
    )
    parser.add_argument("--apply", action="store_true", help="delete (default: only print)")
    parser.add_argument("--region", help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION)")
    parser.add_argument(
        "--now",
        type=_parse_now,
        help="the time to compare expiry against, YYYY-MM-DDTHH:MM:SSZ (default: the clock)",
    )
    parser.add_argument(
        "--stack",
        help="instead of expired resources, every resource tagged honeyhive:stack=STACK, "
        "expired or not (what an interrupted `pulumi up` left)",
    )
    return parser


def is_test_bed_stack(stack: str) -> bool:
    """A stack a stack-scoped sweep may empty: named, and not one of the bootstrap's."""
    return bool(stack.strip()) and not stack.startswith(BOOTSTRAP_STACK_PREFIX)


def delete_role(clients: Clients, name: str) -> None:
    """IAM refuses to delete a role that still has policies: inline ones are deleted and
    managed ones detached first."""
    iam = clients.iam
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy in page["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached_page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for attached in attached_page["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def delete(clients: Clients, resource: Resource) -> None:
    deleters: dict[ResourceKind, Callable[[], object]] = {
        ResourceKind.FUNCTION: lambda: clients.lambda_.delete_function(FunctionName=resource.name),
        ResourceKind.LAYER_VERSION: lambda: clients.lambda_.delete_layer_version(
            LayerName=resource.name, VersionNumber=resource.layer_version
        ),
        ResourceKind.LOG_GROUP: lambda: clients.logs.delete_log_group(logGroupName=resource.name),
        ResourceKind.ROLE: lambda: delete_role(clients, resource.name),
    }
    deleters[resource.kind]()


def _chosen(
    found: list[Resource], now: datetime, stack: str | None
) -> tuple[list[tuple[Resource, str]], Counter[str]]:
    """What to delete, with why, and how many of each kept state there are."""
    kept: Counter[str] = Counter()
    doomed: list[tuple[Resource, str]] = []
    live = live_stacks(found, now)
    for resource in sorted(found, key=lambda r: (_KIND_ORDER.index(r.kind), r.label)):
        if stack is not None:
            if stack_of(resource) == stack:
                doomed.append((resource, f"tagged honeyhive:stack={stack}"))
            else:
                kept["of other stacks"] += 1
            continue
        state, why = expiry(resource, now, live)
        if state is Expiry.EXPIRED:
            doomed.append((resource, why))
            continue
        kept[state.value] += 1
        if state is Expiry.MALFORMED:
            print(f"skip {resource.label}: {why}; fix or delete it by hand")
    return doomed, kept


def sweep(clients: Clients, now: datetime, apply: bool, stack: str | None = None) -> int:
    """Print the plan (and carry it out with `apply`); return the number of failures. With
    `stack`, the plan is every resource of that stack instead of the expired ones."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    found, failures = inventory(clients)
    for line in failures:
        print(f"ERROR {line}", file=sys.stderr)
    expired, kept = _chosen(found, now, stack)

    verb = "delete" if apply else "would delete"
    not_deleted = 0
    for resource, why in expired:
        print(f"{verb} {resource.label} ({why})")
        if not apply:
            continue
        try:
            delete(clients, resource)
        except (ClientError, BotoCoreError) as error:
            if is_gone(error):
                print(f"{resource.label} was already gone")
                continue
            not_deleted += 1
            print(f"ERROR could not delete {resource.label}: {error}", file=sys.stderr)

    kept_summary = ", ".join(f"{count} {state}" for state, count in kept.items())
    done = "deleted" if apply else "to delete (dry run; pass --apply to delete)"
    print(
        f"sweep {clients.region} at {now.strftime(EXPIRES_AT_FORMAT)}: "
        f"{len(expired) - not_deleted} {done}; kept {kept_summary or 'nothing'}; "
        f"{len(failures) + not_deleted} failed"
    )
    return len(failures) + not_deleted


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.stack is not None and not is_test_bed_stack(args.stack):
        print(
            f"python -m harness sweep: --stack {args.stack!r} is not a test bed stack (empty, or "
            f"the bootstrap's {BOOTSTRAP_STACK_PREFIX}*, which no sweep may delete)",
            file=sys.stderr,
        )
        return 2
    try:
        clients = connect(args.region)
    except RegionError as error:
        print(f"python -m harness sweep: {error}", file=sys.stderr)
        return 2
    now = args.now or datetime.now(UTC)
    return 1 if sweep(clients, now, args.apply, args.stack) else 0
