"""`python -m harness render`: what the program declares for a stack, without Pulumi or AWS.

Exit 0 with the table (or `--json`); 1 when the program did not complete its run (it refused its
config, crashed, exited early, hung, or used what cannot be checked offline), with the reason
first; 2 when it could not run (bad usage, a malformed stack file)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from harness.program.capture import Capture, CapturedResource, to_jsonable
from harness.program.errors import ProgramError, ProgramRefused
from harness.program.options import add_stack_arguments, add_timeout_argument
from harness.program.render import render
from infra.errors import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, InfraError
from infra.stack_config import parse_overrides

_NAME_INPUTS = ("name", "layerName", "bucket", "url")


def capture_to_json(capture: Capture) -> dict[str, Any]:
    return {
        "project": capture.project,
        "stack": capture.stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "id": r.id,
                "parent": r.parent,
                "provider": r.provider,
                "dependencies": list(r.dependencies),
                "inputs": to_jsonable(r.inputs),
            }
            for r in sorted(capture.resources, key=lambda r: r.urn)
        ],
        "outputs": to_jsonable(capture.outputs),
    }


def _aws_name(resource: CapturedResource) -> str:
    for key in _NAME_INPUTS:
        value = resource.inputs.get(key)
        if isinstance(value, str):
            return value
    return ""


def capture_table(capture: Capture) -> str:
    rows = [("TYPE", "LOGICAL NAME", "AWS NAME")]
    rows += [
        (r.type, r.name, _aws_name(r))
        for r in sorted(capture.resources, key=lambda r: (r.type, r.urn))
        if r.custom
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{t.ljust(widths[0])}  {n.ljust(widths[1])}  {a}".rstrip() for t, n, a in rows]
    custom = sum(1 for r in capture.resources if r.custom)
    lines.append("")
    lines.append(
        f"{custom} resources ({len(capture.resources) - custom} components) "
        f"for stack {capture.stack!r} of {capture.project!r}"
    )
    lines.append("outputs:")
    lines.append(json.dumps(to_jsonable(capture.outputs), indent=2, sort_keys=True))
    lines += capture.messages
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness render",
        description="Run the Pulumi program as `pulumi preview` does, offline, and list what it "
        "declares.",
    )
    add_stack_arguments(parser)
    add_timeout_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON (resources, outputs)")
    args = parser.parse_args(argv)
    try:
        capture = render(
            args.stack,
            program_dir=args.program,
            overrides=parse_overrides(args.overrides),
            timeout=args.timeout,
        )
    except ProgramRefused as exc:
        print(
            f"render: stack {args.stack!r}: the program did not complete its run:\n{exc}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except (ProgramError, InfraError) as exc:
        print(f"render: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if args.json:
        print(json.dumps(capture_to_json(capture), indent=2, sort_keys=True))
    else:
        print(capture_table(capture))
    return EXIT_OK
