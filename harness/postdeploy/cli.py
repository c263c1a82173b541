"""`python -m harness suite --stack S [--local [--set k=v]... [--outputs FILE]
[--proactive-init SHARE]] [-- PYTEST ARGS]`.

Runs the post-deploy suite (`pytest tests/deployed`) against a stack:
- `--local`: serves the stack on the local runtime first (`python -m harness local serve`, the
  same start and stop the benchmark uses), points the suite at the outputs it writes, and stops
  every process it started afterwards, whatever the suite's result (`make local`);
- otherwise the deployed stack, through `pulumi stack output` (`make post-deploy`).
Arguments after `--` go to pytest (e.g. `-- --cold-starts 10`). Exit 0 when the suite passed,
1 when a check failed, 2 when it could not run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from harness.postdeploy.errors import SuiteError
from harness.postdeploy.local_target import local_serve
from harness.progress import reporter
from infra.errors import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from infra.spec import REPO_ROOT
from infra.stack_config import add_set_argument

SUITE = "tests/deployed"
progress = reporter("suite")
DEFAULT_OUTPUTS = REPO_ROOT / "build" / "local" / "outputs.json"
# pytest's exit codes: 0 passed, 1 some test failed, 5 nothing collected, others: could not run.
_PYTEST_FAILED = 1


def _run_suite(target: list[str], pytest_args: list[str]) -> int:
    command = [sys.executable, "-m", "pytest", SUITE, *target, *pytest_args]
    code = subprocess.run(command, cwd=REPO_ROOT, check=False).returncode
    if code == 0:
        return EXIT_OK
    return EXIT_FAILED if code == _PYTEST_FAILED else EXIT_CANNOT_RUN


def main(argv: list[str]) -> int:
    ours, pytest_args = _split(argv)
    parser = argparse.ArgumentParser(
        prog="python -m harness suite",
        description="Run the post-deploy suite against a deployed stack, or (--local) against "
        "the stack served on the local runtime. Arguments after -- go to pytest.",
    )
    parser.add_argument("--stack", required=True, help="the stack, e.g. ci or gh-my-branch")
    parser.add_argument(
        "--local", action="store_true", help="serve the stack locally and test that"
    )
    add_set_argument(
        parser, help="with --local: override a config value of the served stack (repeatable)"
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        default=DEFAULT_OUTPUTS,
        help=f"with --local: where serve writes the outputs (default {DEFAULT_OUTPUTS})",
    )
    parser.add_argument(
        "--proactive-init",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="with --local: this share (0 to 1) of new environments is initialized before its "
        "first invoke (no Init Duration), as Lambda's proactive initialization",
    )
    args = parser.parse_args(ours)
    if args.overrides and not args.local:
        parser.error("--set changes the locally served stack: add --local")
    if args.proactive_init and not args.local:
        parser.error("--proactive-init is the local runtime's: add --local")
    if not 0 <= args.proactive_init <= 1:
        parser.error(f"--proactive-init {args.proactive_init:g} is not a share from 0 to 1")
    if not args.local:
        if shutil.which("pulumi") is None:  # the suite would skip every test: not a pass
            print(
                f"suite: --stack {args.stack} reads `pulumi stack output`, but the Pulumi CLI is "
                "not on PATH: install it (https://www.pulumi.com/docs/install/), or add --local",
                file=sys.stderr,
            )
            return EXIT_CANNOT_RUN
        return _run_suite(["--stack", args.stack], pytest_args)
    log = args.outputs.with_name("serve.log")
    try:
        progress(f"serving stack {args.stack} locally (log: {log})")
        with local_serve(args.stack, args.outputs, log, args.overrides, args.proactive_init):
            progress(f"running the post-deploy suite against {args.outputs}")
            code = _run_suite(["--outputs", str(args.outputs)], pytest_args)
        progress("stopped the local stack")
    except SuiteError as exc:
        print(f"suite: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return code


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    """Our options, and what follows `--` (pytest's)."""
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1 :]
    return argv, []
