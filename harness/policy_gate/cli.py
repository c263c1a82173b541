"""`python -m harness policy [--program DIR] [--stack S] [--ci-branch B] [--set k=v]...
[--policy-config FILE]`.

Judges each stack asked for (judge.py): `--stack S`, and with `--ci-branch B` the stack CI
deploys for branch B (`gh-<branch>`, `harness stack-name`) with the config CI sets on it
(`branch`, an `expiresAt` `--ttl-hours` ahead, and the `--set` values, e.g. the region and
permissionsBoundary), read over that stack's own file if the program has one. For each: the
project files, then the program run as `pulumi preview` and as `pulumi up` runs it, offline,
every resource sent over the Analyzer protocol to the pack, and the two runs compared; each
violation is printed, then a one-line summary per stack.

Exit 0 when no mandatory policy is violated; 1 on a mandatory violation or when the program did
not complete a run (it refused its config, crashed, exited early, hung, or used what cannot be
checked offline: the gate cannot see what it would declare); 2 when the check could not run (a
malformed stack file or policy config, a pack that failed to start or raised). Never 0 without a
complete analysis.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from harness.policy_gate.config import PolicySetting, load_policy_config
from harness.policy_gate.errors import AnalyzerError, GateError
from harness.policy_gate.judge import Verdict, judge
from harness.policy_gate.report import format_violation, summary
from harness.program.errors import ProgramError, ProgramRefused
from harness.program.options import add_stack_arguments, add_timeout_argument
from infra.errors import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, InfraError
from infra.naming import branch_stack_name
from infra.spec import EXPIRES_AT_FORMAT, REPO_ROOT
from infra.stack_config import parse_overrides

DEFAULT_PACK: Final = REPO_ROOT / "policy"
CI_TTL_HOURS: Final = 6.0
INTERRUPTED: Final = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness policy",
        description=(
            "Check the program against the policy pack, offline: what "
            "`pulumi preview --policy-pack policy` checks (run as a preview and as `up`), "
            "without cloud credentials."
        ),
    )
    add_stack_arguments(parser, required=False)
    add_timeout_argument(parser)
    parser.add_argument(
        "--ci-branch",
        metavar="BRANCH",
        help="also judge the stack CI deploys for this branch (gh-<branch>) with CI's config",
    )
    parser.add_argument("--sdk-ref", default="", help="with --ci-branch: the SDK ref under test")
    parser.add_argument(
        "--sdk-repository", default="", help="with --ci-branch: the repository of --sdk-ref"
    )
    parser.add_argument(
        "--ttl-hours",
        type=float,
        default=CI_TTL_HOURS,
        help=f"with --ci-branch: the expiresAt CI sets, hours ahead (default {CI_TTL_HOURS:g})",
    )
    parser.add_argument(
        "--policy-config",
        type=Path,
        help="policy settings, same JSON as `pulumi preview --policy-pack-config FILE`",
    )
    parser.add_argument(
        "--pack",
        type=Path,
        default=DEFAULT_PACK,
        help="policy pack directory (default: this repository's policy/)",
    )
    return parser


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"policy gate FAILED: {message}", file=sys.stderr)
    return code


def _targets(args: argparse.Namespace) -> list[tuple[str, dict[str, str]]]:
    """(stack, config overrides) for every stack to judge."""
    overrides = parse_overrides(args.overrides)
    targets = [(str(args.stack), overrides)] if args.stack else []
    if args.ci_branch:
        stack = branch_stack_name(args.ci_branch, args.sdk_ref, args.sdk_repository)
        expires = datetime.now(UTC) + timedelta(hours=args.ttl_hours)
        ci = {"branch": args.ci_branch, "expiresAt": expires.strftime(EXPIRES_AT_FORMAT)}
        targets.append((stack, {**ci, **overrides}))
    return targets


def _report(verdict: Verdict, seconds: float) -> None:
    for item in verdict.violations:
        print(format_violation(item))
    print(
        summary(verdict.violations, verdict.resources, seconds)
        + f" (stack {verdict.stack}: {verdict.timings})"
    )


def _check(args: argparse.Namespace, policy_config: dict[str, PolicySetting]) -> int:
    targets = _targets(args)
    if not targets:
        return _fail("name a stack: --stack S and/or --ci-branch BRANCH", EXIT_CANNOT_RUN)
    passed = True
    for stack, overrides in targets:
        started = time.monotonic()
        try:
            verdict = judge(
                args.pack,
                stack,
                program_dir=args.program,
                overrides=overrides,
                policy_config=policy_config,
                timeout=args.timeout,
            )
        except ProgramRefused as exc:
            return _fail(f"the program did not complete its run (stack {stack}):\n{exc}")
        except AnalyzerError as exc:
            return _fail(f"{exc} (stack {stack})", EXIT_CANNOT_RUN)
        _report(verdict, time.monotonic() - started)
        passed = passed and verdict.passed
    return EXIT_OK if passed else EXIT_FAILED


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        policy_config = load_policy_config(args.policy_config) if args.policy_config else {}
        return _check(args, policy_config)
    except (ProgramError, InfraError, GateError) as exc:
        return _fail(str(exc), EXIT_CANNOT_RUN)
    except KeyboardInterrupt:
        print("policy gate interrupted; the policy pack was stopped", file=sys.stderr)
        return INTERRUPTED
