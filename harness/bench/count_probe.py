"""What one side's import or init does, run from its source text in the runtime's interpreter.

`python3.X -S -B -P -c "$(cat count_probe.py)" CONFIG` with CONFIG JSON
`{"modules": [...], "report": FILE or null, "roots": [DIR, ...]}`: stdlib only, never imported
by the harness. It imports `modules` in order (the SDK, or a handler module whose import runs
the function's init), then leaves with `os._exit`: the init is over, and what exit handlers
would do (a tracer's shutdown flushing spans) is not part of it.

Without `report` (under cachegrind) it does nothing else, so the count is the import's alone.
With `report` an audit hook records network use (`socket.*`), processes started
(`subprocess.Popen`, `os.fork`, `os.posix_spawn`, `os.system`, `os.exec`, `os.spawn`) and threads
started (`_thread.start_*`), each with the first frame outside the standard library that caused
it (`honeyhive/_x.py:12`, relative to the root it is under); at the end it writes those, the
threads alive, the modules loaded and the memory held to FILE as JSON.

A handler module whose init failed (`FUNCTION.init.error`, lambda_functions/_contract.py) exits
3 with the error: an init that failed is not a measurement.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
from types import FrameType
from typing import Any

NETWORK = ("socket.__new__", "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
           "socket.gethostbyaddr", "socket.bind", "socket.sendto", "socket.sendmsg")  # fmt: skip
PROCESSES = ("subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn",
             "os.system", "os.exec", "os.startfile", "pty.spawn")  # fmt: skip
THREADS = ("_thread.start_new_thread", "_thread.start_joinable_thread")
INIT_FAILED_EXIT = 3


def _stdlib_dirs() -> tuple[str, ...]:
    return (os.path.dirname(os.__file__) + os.sep,)  # noqa: PTH120 - see _memory


def _where(frame: FrameType | None, roots: list[str]) -> str:
    """The first frame, outward, outside the standard library and this probe, as `path:line`
    relative to the root it is under."""
    stdlib = _stdlib_dirs()
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(stdlib) or name.startswith("<")):
            for root in roots:
                if name.startswith(root + os.sep):
                    name = name[len(root) + 1 :]
                    break
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back
    return "<standard library>"


def _target(event: str, args: tuple[Any, ...]) -> str:
    """What the event touched, in words: an address, a host, a command, a thread's function."""
    if event == "socket.__new__":
        return f"family {args[1]} type {args[2]}"
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        if isinstance(address, tuple) and len(address) >= 2:
            return f"{address[0]}:{address[1]}"
        return str(address)
    if event == "socket.getaddrinfo":
        return f"{args[0]}:{args[1]}"
    if event.startswith("_thread."):
        function = args[0] if args else None
        thread = getattr(function, "__self__", None)  # Thread._bootstrap of a threading.Thread
        if isinstance(thread, threading.Thread):
            return f"thread {thread.name!r}"
        return str(getattr(function, "__qualname__", function))
    if event == "subprocess.Popen":
        return " ".join(str(a) for a in (args[1] or [args[0]]))[:200]
    return " ".join(str(a) for a in args[:2])[:200]


def _memory() -> dict[str, int]:
    # os and open, not pathlib: the probe imports as little as it can of its own
    with open("/proc/self/statm") as statm:  # noqa: PTH123
        resident_pages = int(statm.read().split()[1])
    return {
        "rssBytes": resident_pages * os.sysconf("SC_PAGE_SIZE"),
        "pythonBlocks": sys.getallocatedblocks(),
    }


def _init_error(modules: list[str]) -> str | None:
    for name in modules:
        init = getattr(getattr(sys.modules.get(name), "FUNCTION", None), "init", None)
        error = getattr(init, "error", None)
        if error:
            return f"{name}: {error}"
    return None


def main() -> None:
    config = json.loads(sys.argv[1])
    modules: list[str] = config["modules"]
    roots: list[str] = config.get("roots", [])
    report: str | None = config.get("report")
    events: list[dict[str, str]] = []
    watched = {*NETWORK, *PROCESSES, *THREADS}

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in watched:
            kind = "network" if event in NETWORK else "thread" if event in THREADS else "process"
            events.append(
                {
                    "kind": kind,
                    "event": event,
                    "target": _target(event, args),
                    "where": _where(sys._getframe(1), roots),
                }
            )

    if report:
        sys.addaudithook(hook)
    for name in modules:
        importlib.import_module(name)
    error = _init_error(modules)
    if error:
        print(f"init failed: {error}", file=sys.stderr, flush=True)
        os._exit(INIT_FAILED_EXIT)
    if report:
        watched.clear()  # what the report itself does is not the init's
        result = {
            "events": events,
            "threadsAlive": sorted(t.name for t in threading.enumerate()),
            "nativeThreads": len(os.listdir("/proc/self/task")),  # noqa: PTH208
            "modules": sorted(sys.modules),
            **_memory(),
        }
        with open(report, "w") as sink:  # noqa: PTH123
            json.dump(result, sink)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
