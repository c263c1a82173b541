"""`python -m harness <command> ...`: one entry point, one module per command.

Only the chosen command's module is imported, so `python -m harness ingest` does not pay
for importing Pulumi and `render` does not pay for the local runtime.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module exposing `main(argv: list[str]) -> int`, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "render": (
        "harness.program.cli",
        "run the program offline, as `pulumi preview` runs it; list what it declares",
    ),
    "policy": ("harness.policy_gate.cli", "run the policy pack over the rendered program, offline"),
    "stack-name": ("harness.program.stack_name", "the per-branch stack name for a git branch"),
    "sweep": (
        "harness.cleanup.sweep",
        "delete expired honeyhive-* AWS resources (dry run unless --apply)",
    ),
    "teardown": (
        "harness.cleanup.teardown",
        "destroy a stack, also after an interrupted up (cancel, refresh, destroy, stack sweep)",
    ),
    "leaks": ("harness.cleanup.leaks", "fail if AWS still holds anything tagged with a stack"),
    "ingest": ("harness.ingest.cli", "the local HoneyHive-compatible endpoint"),
    "local": ("harness.local.cli", "run the functions locally on AWS's Runtime Interface Emulator"),
    "bench": (
        "harness.bench.cli",
        "cold-start benchmark: one SDK against another (head vs base), locally or deployed",
    ),
    "matrix": (
        "harness.matrix.cli",
        "the local suite over every offered runtime x architecture, one table",
    ),
    "suite": (
        "harness.postdeploy.cli",
        "the post-deploy suite against a stack, deployed or served locally",
    ),
}


def _usage() -> str:
    width = max((len(name) for name in COMMANDS), default=0)
    lines = ["usage: python -m harness <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {help_}" for name, (_, help_) in COMMANDS.items()]
    lines.append("")
    lines.append("Run `python -m harness <command> --help` for a command's options.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(_usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"python -m harness: unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    result: int = module.main(rest)
    return result


if __name__ == "__main__":
    sys.exit(main())
