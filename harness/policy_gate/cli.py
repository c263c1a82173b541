"""`python -m harness policy [--program DIR] --stack S [--set k=v]... [--policy-config FILE]`.

Starts the policy pack as the Pulumi CLI does and, meanwhile, runs the program as
`pulumi preview` does (in its own process, against this process's resource monitor: see
harness/program/render.py); then sends every resource over the Analyzer protocol, prints each
violation and a one-line summary.

The pack is started before the program runs, so its rules are loaded before the program could
touch a file, and it is configured and asked only after the program and every process it
started are gone, so nothing the program left can reconfigure it.

Exit 0 when no mandatory policy is violated; 1 on a mandatory violation or when the program did
not complete its run (it refused its config, crashed, exited early, hung, or used what cannot be
checked offline: the gate cannot see what it would declare); 2 when the check could not run (a
malformed stack file or policy config, a pack that failed to start or raised). Never 0 without a
complete analysis.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

from harness.policy_gate.config import PolicySetting, load_policy_config
from harness.policy_gate.errors import AnalyzerError, GateError
from harness.policy_gate.gate import GateResult, check_capture, pack_env
from harness.policy_gate.launcher import PackProcess
from harness.policy_gate.report import format_violation, summary
from harness.program.errors import ProgramError, ProgramRefused
from harness.program.options import add_stack_arguments, add_timeout_argument
from harness.program.render import program_inputs, run_program
from infra.errors import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, InfraError
from infra.spec import REPO_ROOT
from infra.stack_config import parse_overrides

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
    add_timeout_argument(parser)
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


def _check(args: argparse.Namespace, policy_config: dict[str, PolicySetting]) -> int:
    started = time.monotonic()
    inputs = program_inputs(
        args.stack, program_dir=args.program, overrides=parse_overrides(args.overrides)
    )
    pack = PackProcess(args.pack, env=pack_env(inputs.project, inputs.stack, inputs.masked_config))
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            starting = pool.submit(pack.start)
            try:
                capture = run_program(inputs, timeout=args.timeout)
            except ProgramRefused as exc:
                starting.exception()  # let the pack finish starting; it is stopped below
                return _fail(f"the program did not complete its run:\n{exc}")
            rendered = time.monotonic()
            starting.result()  # PackStartError: the check could not run (exit 2)
        ready = time.monotonic()
        try:
            result: GateResult = check_capture(capture, pack.channel, policy_config)
        except AnalyzerError as exc:
            log = pack.log.strip() or "(none)"
            return _fail(f"{exc}\nthe policy pack's output:\n{log}", EXIT_CANNOT_RUN)
    finally:
        pack.stop()
    for item in result.violations:
        print(format_violation(item))
    print(
        summary(result.violations, result.resources, time.monotonic() - started)
        + f" (program {rendered - started:.1f}s, pack ready {ready - started:.1f}s, "
        f"analysis {result.seconds:.1f}s; pack {result.pack})"
    )
    return EXIT_OK if result.passed else EXIT_FAILED


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
