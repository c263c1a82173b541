"""Run one Pulumi program against an engine's gRPC services, as Pulumi's Python language host
does (`python -m harness render` and the policy gate start it; never imported by them).

    python -u runner.py --monitor ADDR --engine ADDR --project P --stack S --program-dir DIR
        --main FILE --status-fd N [--preview false]

The program runs here, in its own process, so it cannot reach the gate's code. Its config comes
from PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS, as from the language host; the run is a
preview (`pulumi.runtime.is_dry_run()` is true) unless `--preview false` runs it as `up` does.
When the program finishes, the SDK signals the engine (`SignalAndWaitForShutdown`): that, not
this process's exit status, tells the gate that the run completed. When the program fails (it
refused its config with `RunError`, raised, or called `sys.exit`), one JSON line `{"kind":
"refused"|"crashed", "message": ...}` goes to the status pipe and the process ends at once,
before garbage collection can flood the output with
"Future exception was never retrieved" for every pending output.

Only the standard library and `pulumi` are imported, and nothing from this repository: the
program sees the interpreter the way the language host would leave it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import runpy
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi.runtime
from pulumi.errors import RunError
from pulumi.runtime.config import get_config_env, set_all_config
from pulumi.runtime.settings import Settings, configure, reset_options

EXIT_FAILED = 1
TRACEBACK_FRAMES = 30


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="runner.py")
    for option in ("--monitor", "--engine", "--project", "--stack", "--program-dir", "--main"):
        parser.add_argument(option, required=True)
    parser.add_argument("--organization", default="organization")
    parser.add_argument("--status-fd", type=int, required=True)
    parser.add_argument(
        "--preview", choices=("true", "false"), default="true", help="false: run as `up` does"
    )
    return parser.parse_args(argv)


def _report(status_fd: int, kind: str, message: str) -> None:
    line = json.dumps({"kind": kind, "message": message}) + "\n"
    with contextlib.suppress(OSError):  # the gate is gone; nothing left to tell
        os.write(status_fd, line.encode())


def _machinery(filename: str) -> bool:
    """Frames of the run itself (this file, asyncio, runpy, the SDK's stack runner)."""
    if filename == "<frozen runpy>":
        return True
    path = Path(filename).resolve()
    return (
        path == Path(__file__).resolve()
        or "asyncio" in path.parts
        or path.name == "runpy.py"
        or path.parts[-3:] == ("pulumi", "runtime", "stack.py")
    )


def _describe(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, RunError):
        return "refused", str(exc)
    if isinstance(exc, SystemExit):
        return "crashed", (
            f"the program called sys.exit({exc.code!r}) before its run completed; a Pulumi "
            "program ends by returning from __main__"
        )
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _machinery(f.filename)]
    shown = "".join(traceback.format_list(frames[-TRACEBACK_FRAMES:]))
    return (
        "crashed",
        f"the program failed: {type(exc).__name__}: {exc}\nTraceback (innermost last):\n{shown}",
    )


def _quiet_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Unretrieved exceptions of pending outputs repeat the one real error; drop them."""
    if "exception" in context and "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


def _run(args: argparse.Namespace) -> Callable[[], None]:
    reset_options(
        project=args.project,
        stack=args.stack,
        preview=args.preview == "true",
        root_directory=args.program_dir,
        organization=args.organization,
    )
    configure(
        Settings(
            project=args.project,
            stack=args.stack,
            monitor=args.monitor,
            engine=args.engine,
            dry_run=args.preview == "true",
            organization=args.organization,
            root_directory=args.program_dir,
        )
    )
    secret_keys = json.loads(os.environ.get("PULUMI_CONFIG_SECRET_KEYS") or "[]")
    set_all_config(get_config_env(), secret_keys)

    def main() -> None:
        runpy.run_path(args.main, run_name="__main__")

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_quiet_handler)
        loop.run_until_complete(pulumi.runtime.run_in_stack(main))

    return run


def main(argv: list[str]) -> None:
    args = _parse(argv)
    # The language host runs the program with its directory first on sys.path and as cwd;
    # this file's own directory must not be importable from the program.
    sys.path[0] = args.program_dir
    os.chdir(args.program_dir)
    try:
        _run(args)()
    except BaseException as exc:  # noqa: BLE001 - every way out of a program is reported
        kind, message = _describe(exc)
        _report(args.status_fd, kind, message)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_FAILED)
    # A normal exit: the interpreter waits for the program's threads, so whatever they send
    # after the end of the program reaches the monitor (and is refused there).


if __name__ == "__main__":
    main(sys.argv[1:])
