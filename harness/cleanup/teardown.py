"""`python -m harness teardown --stack S [--region R]`: destroy a stack, also after an
interrupted `pulumi up`.

A cancelled or timed-out job kills `pulumi up` mid-run: the backend keeps the update's lock,
and the state keeps pending creates (resources AWS may or may not have made). A plain
`pulumi destroy` then fails on the lock, the stack leaks until the sweeper's expiry, and the
branch's next run fails the same way. So, in order:
1. `pulumi cancel --yes`: releases the lock (the DIY backend deletes its lock file, Pulumi Cloud
   cancels the update); nothing to cancel is not an error;
2. `pulumi refresh --yes --clear-pending-creates`: drops the pending creates from the state (a
   non-interactive refresh keeps them otherwise); what AWS did create is tagged with the stack;
3. `pulumi destroy --yes --refresh --remove`;
4. the stack-scoped sweep (`sweep --stack S --apply`): every `honeyhive-*` resource still tagged
   `honeyhive:stack=S`, whether destroy saw it or not;
5. only when destroy failed and the sweep left nothing: `pulumi stack rm --yes --force`, so the
   branch's next run starts from an empty stack instead of failing the same way.
Exit 0 when destroy succeeded and the sweep deleted whatever remained; 1 otherwise (every step
still ran). The leak check (`python -m harness leaks`) is the proof that nothing is left.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from harness.cleanup.errors import RegionError
from harness.cleanup.inventory import Clients, connect
from harness.cleanup.sweep import is_test_bed_stack, sweep

Run = Callable[[list[str]], int]


def _run(command: list[str]) -> int:
    print(f"$ {' '.join(command)}", flush=True)
    return subprocess.run(command, check=False).returncode


def teardown(stack: str, clients: Clients, pulumi: str, run: Run = _run) -> int:
    """Steps 1-5 for `stack`; 0 when it is gone, 1 when a step failed."""
    at = ["--stack", stack]
    if run([pulumi, "cancel", "--yes", *at]):
        print(f"teardown: no update of {stack} to cancel (or cancel failed); going on")
    if run([pulumi, "refresh", "--yes", "--clear-pending-creates", *at]):
        print(f"teardown: refreshing {stack} failed; destroy refreshes again")
    destroyed = run([pulumi, "destroy", "--yes", "--refresh", "--remove", *at]) == 0
    failed = sweep(clients, datetime.now(UTC), apply=True, stack=stack)
    if destroyed and not failed:
        print(f"teardown: {stack} destroyed and removed; nothing of it was left to sweep")
        return 0
    if not destroyed and not failed:
        print(f"teardown: destroy failed; the sweep removed what {stack} left, so its record goes")
        run([pulumi, "stack", "rm", "--yes", "--force", *at])
    else:
        print(f"teardown: {failed} resource(s) of {stack} could not be deleted (see above)")
    return 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness teardown",
        description="pulumi cancel, refresh --clear-pending-creates, destroy --refresh --remove, "
        "then delete whatever is still tagged with the stack (also after an interrupted up).",
    )
    parser.add_argument("--stack", required=True, help="the Pulumi stack, e.g. gh-my-branch")
    parser.add_argument("--region", help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION)")
    args = parser.parse_args(argv)
    if not is_test_bed_stack(args.stack):
        print(f"teardown: --stack {args.stack!r} is not a test bed stack", file=sys.stderr)
        return 2
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        print("teardown: the Pulumi CLI is not on PATH", file=sys.stderr)
        return 2
    try:
        clients = connect(args.region)
    except RegionError as error:
        print(f"teardown: {error}", file=sys.stderr)
        return 2
    return teardown(args.stack, clients, pulumi)
