"""`python -m harness local serve --stack S --outputs FILE [--program DIR] [--set k=v]...`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.local.environment import StartError
from harness.local.from_capture import CaptureError
from harness.local.host import HostError
from harness.local.layout import LayoutError
from harness.local.runtime_dir import RuntimeDirError
from harness.local.serve import ServeOptions, serve
from harness.local.spec import SpecError
from harness.render import ProgramError
from harness.render_cli import add_stack_arguments
from harness.stack_config import ConfigFileError, parse_overrides

EXIT_REFUSED = 1
EXIT_USAGE = 2


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness local serve",
        description="Render a stack and serve its functions behind Lambda's API (for boto3's "
        "endpoint_url) with a local HoneyHive ingest, until SIGINT or SIGTERM.",
    )
    add_stack_arguments(parser)
    parser.add_argument(
        "--outputs", type=Path, required=True, help="where to write the outputs JSON when ready"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address of the Lambda API")
    parser.add_argument(
        "--port", type=int, default=0, help="port of the Lambda API (0: a free one)"
    )
    parser.add_argument(
        "--idle-ttl", type=float, default=300.0, help="seconds an idle environment is kept"
    )
    parser.add_argument(
        "--max-environments", type=int, default=32, help="concurrent environments per function"
    )
    args = parser.parse_args(argv)
    try:
        options = ServeOptions(
            stack=args.stack,
            outputs=args.outputs,
            program_dir=args.program,
            overrides=parse_overrides(args.overrides),
            host=args.host,
            port=args.port,
            idle_ttl_s=args.idle_ttl,
            max_environments=args.max_environments,
        )
        return serve(options)
    except ProgramError as exc:
        print(f"local serve: the program refused stack {args.stack!r}:\n{exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (
        ConfigFileError,
        CaptureError,
        SpecError,
        HostError,
        LayoutError,
        RuntimeDirError,
        StartError,
    ) as exc:
        print(f"local serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
