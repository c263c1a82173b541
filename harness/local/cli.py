"""`python -m harness local serve|invoke`: Lambda functions on AWS's Runtime Interface Emulator."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.local import check
from harness.local.environment import StartError
from harness.local.host import HostError, host_architecture
from harness.local.invocation import ServiceError
from harness.local.layout import LayoutError
from harness.local.oneshot import run
from harness.local.runtime_dir import RuntimeDirError
from harness.local.spec import FunctionSpec, SpecError

EXIT_USAGE = 2


USAGE = """usage: python -m harness local {serve,check,invoke} [options]

  serve   render a stack and serve its functions behind Lambda's API until SIGINT/SIGTERM
  check   invoke each served function once and print a table (answer, init, duration, spans)
  invoke  run one handler (any directory or zip) once, print the response and its REPORT

Run `python -m harness local <command> --help` for a command's options."""


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command == "serve":
        # Rendering imports Pulumi (~0.4 s): only `serve` pays for it.
        from harness.local import serve_cli  # noqa: PLC0415

        return serve_cli.main(rest)
    if command == "check":
        return check.main(rest)
    if command == "invoke":
        return _invoke_main(rest)
    print(USAGE, file=sys.stdout if command in {"-h", "--help"} else sys.stderr)
    return 0 if command in {"-h", "--help"} else EXIT_USAGE


class UsageError(ValueError):
    """A command-line value that cannot work; the message says which and what to pass."""


# --- invoke ----------------------------------------------------------------------------------


def _invoke_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness local invoke",
        description="Run a handler once on the RIE; the response goes to stdout, the log "
        "(START/END/REPORT) to stderr; exit 1 on a function error.",
    )
    _invoke_arguments(parser)
    try:
        return _invoke(parser.parse_args(argv))
    except (SpecError, HostError, LayoutError, RuntimeDirError, UsageError) as exc:
        print(f"local invoke: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (StartError, ServiceError) as exc:  # the emulator, not the function, failed
        print(f"local invoke: the local runtime failed: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _invoke_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--code", type=Path, required=True, help="the function's code: a directory or a zip"
    )
    parser.add_argument("--handler", required=True, help="module.function, e.g. app.handler")
    parser.add_argument(
        "--layer", type=Path, action="append", default=[], help="a layer zip (repeatable, in order)"
    )
    parser.add_argument("--runtime", default="python3.11", help="python3.X (default python3.11)")
    parser.add_argument(
        "--event", default="{}", help="the event: JSON text, or @FILE to read it from a file"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="a variable (repeatable)"
    )
    parser.add_argument("--timeout", type=int, default=3, help="seconds (default 3, as Lambda)")
    parser.add_argument("--memory", type=int, default=128, help="MB (default 128, as Lambda)")
    parser.add_argument("--name", default="local-invoke", help="the function's name")
    parser.add_argument("--log-format", default="Text", choices=["Text", "JSON"])


def _invoke(args: argparse.Namespace) -> int:
    if not args.code.exists():
        raise UsageError(f"--code {args.code} does not exist: pass the handler's directory or zip")
    for layer in args.layer:
        if not layer.is_file():
            raise UsageError(f"--layer {layer} does not exist: pass a layer .zip")
    spec = FunctionSpec(
        name=args.name,
        handler=args.handler,
        code=args.code.resolve(),
        runtime=args.runtime,
        architecture=host_architecture(),
        memory_size=args.memory,
        timeout=args.timeout,
        environment=_pairs(args.env),
        layers=tuple(layer.resolve() for layer in args.layer),
        log_format=args.log_format,
    )
    return run(spec, _event(args.event))


def _event(value: str) -> bytes:
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text()
        except OSError as exc:
            raise UsageError(f"--event {value}: cannot read {path}: {exc}") from exc
    else:
        text = value
    try:
        json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--event is not JSON ({exc}): pass JSON text or @FILE") from exc
    return text.encode()


def _pairs(items: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env {item!r}: expected KEY=VALUE")
        pairs[key] = value
    return pairs
