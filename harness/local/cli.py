"""`python -m harness local serve|invoke`: Lambda functions on AWS's Runtime Interface Emulator.

- `serve --stack S --outputs FILE [--program DIR] [--set k=v]...`: render the stack and serve
  its functions behind Lambda's API (for boto3's `endpoint_url`) with a local HoneyHive ingest,
  until SIGINT or SIGTERM.
- `invoke --code DIR --handler mod.fn [...]`: any handler, once; the response goes to stdout,
  the log (START/END/REPORT) to stderr; exit 1 on a function error, or when Lambda would refuse
  the request (an event over Invoke's 6 MB: 413, and the handler never runs; invoke_limits.py).

Exit codes follow `harness.errors`: 1 = the function failed (or the program refused its config),
2 = the command could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.local.api_shapes import ApiError
from harness.local.config import FunctionConfig
from harness.local.errors import LocalRuntimeError, UsageError
from harness.local.host import host_architecture
from harness.local.invoke_limits import REQUEST_RESPONSE, check_request_size
from harness.local.oneshot import invoke_once
from harness.local.registry import DEFAULT_EVENT_RETRY_DELAYS_S, DEFAULT_UPDATE_DELAY_S
from harness.program.errors import ProgramError, ProgramRefused
from harness.program.options import add_stack_arguments
from infra.errors import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, InfraError
from infra.spec import DEFAULT_RUNTIME, LINUX_MACHINES
from infra.stack_config import parse_overrides


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness local",
        description="Run Lambda functions locally on AWS's Runtime Interface Emulator.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,invoke}")
    _serve_arguments(
        commands.add_parser(
            "serve",
            help="render a stack and serve its functions behind Lambda's API until stopped",
            description="Render a stack and serve its functions behind Lambda's API (for "
            "boto3's endpoint_url) with a local HoneyHive ingest, until SIGINT or SIGTERM.",
        )
    )
    _invoke_arguments(
        commands.add_parser(
            "invoke",
            help="run one handler (any directory or zip) once, print the response and REPORT",
            description="Run a handler once on the RIE; the response goes to stdout, the log "
            "(START/END/REPORT) to stderr; exit 1 on a function error, or when Lambda would "
            "refuse the request (an event over 6 MB: 413, the handler never runs).",
        )
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    return _invoke(args)


# --- serve -----------------------------------------------------------------------------------


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument(
        "--proactive-init",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="this share (0 to 1) of new environments is initialized before its first invoke, "
        "which then reports no Init Duration, as Lambda's proactive initialization (default 0)",
    )
    parser.add_argument(
        "--update-seconds",
        type=_seconds,
        default=DEFAULT_UPDATE_DELAY_S,
        help="how long an accepted configuration update stays InProgress "
        f"(default {DEFAULT_UPDATE_DELAY_S:g}; AWS: usually a few seconds)",
    )
    parser.add_argument(
        "--event-retry-delays",
        type=_delays,
        default=DEFAULT_EVENT_RETRY_DELAYS_S,
        metavar="S,S",
        help="seconds before the retries of a failed Event invoke (default "
        f"{','.join(f'{d:g}' for d in DEFAULT_EVENT_RETRY_DELAYS_S)}: AWS's 60,120 / 60)",
    )


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a share from 0 to 1, e.g. 0.5")
    return share


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0 to 600")
    return seconds


def _delays(value: str) -> tuple[float, ...]:
    """Lambda retries a failed Event invoke at most twice (MaximumRetryAttempts 0-2)."""
    delays = tuple(_seconds(part) for part in value.split(",") if part.strip())
    if len(delays) > 2:
        raise argparse.ArgumentTypeError(f"{value!r}: Lambda retries an event at most twice")
    return delays


def _serve(args: argparse.Namespace) -> int:
    # Rendering imports Pulumi (~0.4 s): only `serve` pays for it.
    from harness.local.serve import ServeOptions, serve  # noqa: PLC0415

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
            proactive_init=args.proactive_init,
            update_delay_s=args.update_seconds,
            event_retry_delays_s=args.event_retry_delays,
        )
        return serve(options)
    except ProgramRefused as exc:
        print(f"local serve: the program refused stack {args.stack!r}:\n{exc}", file=sys.stderr)
        return EXIT_FAILED
    except (ProgramError, InfraError, LocalRuntimeError) as exc:
        print(f"local serve: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN


# --- invoke ----------------------------------------------------------------------------------


def _invoke_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--code", type=Path, required=True, help="the function's code: a directory or a zip"
    )
    parser.add_argument("--handler", required=True, help="module.function, e.g. app.handler")
    parser.add_argument(
        "--layer", type=Path, action="append", default=[], help="a layer zip (repeatable, in order)"
    )
    parser.add_argument(
        "--runtime", default=DEFAULT_RUNTIME, help=f"python3.X (default {DEFAULT_RUNTIME})"
    )
    parser.add_argument(
        "--architecture",
        choices=list(LINUX_MACHINES),
        help="x86_64 or arm64 (default: this machine's; the other one runs under qemu-user)",
    )
    parser.add_argument(
        "--event",
        default="{}",
        help="the event: JSON text, @FILE to read it from a file, or @- from stdin",
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="a variable (repeatable)"
    )
    parser.add_argument("--timeout", type=int, default=3, help="seconds (default 3, as Lambda)")
    parser.add_argument("--memory", type=int, default=128, help="MB (default 128, as Lambda)")
    parser.add_argument("--name", default="local-invoke", help="the function's name")
    parser.add_argument("--log-format", default="Text", choices=["Text", "JSON"])


def _invoke(args: argparse.Namespace) -> int:
    try:
        config = _function_config(args)
        event = _event(args.event)
        check_request_size(len(event), REQUEST_RESPONSE)  # before its JSON, as Lambda checks
        _check_json(event)
        invocation = invoke_once(config, event)
    except LocalRuntimeError as exc:
        print(f"local invoke: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except ApiError as refused:  # what Lambda answers before any environment sees the event
        print(
            f"local invoke: Lambda refuses the request ({refused.status} {refused.code}): "
            f"{refused.message}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    sys.stderr.write(invocation.log)
    sys.stdout.write(invocation.payload.decode("utf-8", errors="replace") + "\n")
    if invocation.function_error:
        print(
            f"local: function error ({invocation.function_error}): {invocation.error_type}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _function_config(args: argparse.Namespace) -> FunctionConfig:
    if not args.code.exists():
        raise UsageError(f"--code {args.code} does not exist: pass the handler's directory or zip")
    for layer in args.layer:
        if not layer.is_file():
            raise UsageError(f"--layer {layer} does not exist: pass a layer .zip")
    return FunctionConfig(
        name=args.name,
        handler=args.handler,
        code=args.code.resolve(),
        runtime=args.runtime,
        architecture=args.architecture or host_architecture(),
        memory_size=args.memory,
        timeout=args.timeout,
        environment=_pairs(args.env),
        layers=tuple(layer.resolve() for layer in args.layer),
        log_format=args.log_format,
    )


def _event(value: str) -> bytes:
    """The event's bytes, as Invoke's request body would carry them."""
    if value == "@-":
        return sys.stdin.buffer.read()
    if not value.startswith("@"):
        return value.encode()
    path = Path(value[1:])
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--event {value}: cannot read {path}: {exc}") from exc


def _check_json(event: bytes) -> None:
    try:
        json.loads(event)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--event is not JSON ({exc}): pass JSON text, @FILE or @-") from exc


def _pairs(items: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env {item!r}: expected KEY=VALUE")
        pairs[key] = value
    return pairs
