"""`python -m harness policy [--program DIR] --stack S [--set k=v]... [--policy-config FILE]`.

Renders the program under Pulumi's mocks, starts the policy pack as the Pulumi CLI does, sends
every resource over the Analyzer protocol, prints each violation and a one-line summary. Exit 0
when no mandatory policy is violated, 1 otherwise, and 1 whenever the check could not run (the
program refused its config, the pack failed to start or raised, the policy config is invalid).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Final

from harness.policy_gate.config import PolicyConfigError, PolicySetting, load_policy_config
from harness.policy_gate.gate import AnalyzerError, GateResult, check_capture, pack_env
from harness.policy_gate.launcher import PackProcess, PackStartError
from harness.policy_gate.report import format_violation, summary
from harness.render import REPO_ROOT, ProgramError, render
from harness.render_cli import add_stack_arguments
from harness.stack_config import ConfigFileError, parse_overrides

DEFAULT_PACK: Final = REPO_ROOT / "policy"
INTERRUPTED: Final = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness policy",
        description=(
            "Check the rendered program against the policy pack, offline: what "
            "`pulumi preview --policy-pack policy` checks, without cloud credentials."
        ),
    )
    add_stack_arguments(parser)
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


def _fail(message: str) -> int:
    print(f"policy gate FAILED: {message}", file=sys.stderr)
    return 1


def _check(args: argparse.Namespace, policy_config: dict[str, PolicySetting]) -> int:
    started = time.monotonic()
    try:
        capture = render(
            args.stack, program_dir=args.program, overrides=parse_overrides(args.overrides)
        )
    except ProgramError as exc:
        return _fail(f"the program stopped before declaring its resources:\n{exc}")
    rendered = time.monotonic()
    pack = PackProcess(args.pack, env=pack_env(capture))
    try:
        with pack:
            launched = time.monotonic()
            result: GateResult = check_capture(capture, pack.channel, policy_config)
    except AnalyzerError as exc:
        return _fail(f"{exc}\nthe policy pack's output:\n{pack.log.strip() or '(none)'}")
    for item in result.violations:
        print(format_violation(item))
    print(
        summary(result.violations, result.resources, time.monotonic() - started)
        + f" (render {rendered - started:.1f}s, pack start {launched - rendered:.1f}s, "
        f"analysis {result.seconds:.1f}s; pack {result.pack})"
    )
    return 0 if result.passed else 1


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        policy_config = load_policy_config(args.policy_config) if args.policy_config else {}
        return _check(args, policy_config)
    except (ConfigFileError, PolicyConfigError, PackStartError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("policy gate interrupted; the policy pack was stopped", file=sys.stderr)
        return INTERRUPTED
