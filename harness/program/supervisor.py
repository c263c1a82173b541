"""Run a program's process and make sure nothing it started outlives it (started by the gate as
`python -I supervisor.py --pass-fd N -- <command...>`; never imported).

The policy gate analyses a program only after the program is gone: a process it left behind
could reach the policy pack's port and reconfigure the pack during the analysis. On Linux this
process becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so every process the program
starts, however it detaches (double fork, setsid), is re-parented here when its parent dies;
after the program's process ends (or on SIGTERM, the gate's timeout), every remaining
descendant is killed; if the gate itself dies, this process is told (PR_SET_PDEATHSIG) and does
the same. Elsewhere the program's process group is killed instead, which a process that calls
setsid() escapes.

The gate writes a nonce to stdin, read before the program starts. The report is one JSON line
on stdout with that nonce: `{"nonce", "exit", "signal", "stopped", "leftover"}` (exit status or
signal of the program's process, whether it was stopped by SIGTERM, how many processes it left
running). Only the standard library is used.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Final

PR_SET_PDEATHSIG: Final = 1
PR_SET_CHILD_SUBREAPER: Final = 36
KILL_ROUNDS: Final = 200


class _Stopped(Exception):
    """SIGTERM from the gate: the program ran out of time."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise _Stopped


def _prctl(option: int, value: int) -> bool:
    """Linux's prctl(2); False where it is not available or refused."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _children() -> list[int]:
    """Live (not zombie) processes whose parent is this process."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == me and state != "Z":
            found.append(int(entry.name))
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _contain(program: subprocess.Popen[bytes], subreaper: bool) -> int:
    """Kill the program's process if alive and every process it left; how many were left."""
    leftover = 0
    if program.poll() is None:
        program.kill()
        program.wait()
    if not subreaper:
        try:
            os.killpg(program.pid, signal.SIGKILL)
            leftover += 1
        except (ProcessLookupError, PermissionError):
            pass
        return leftover
    for _ in range(KILL_ROUNDS):
        _reap()
        alive = _children()
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                leftover += 1
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    _reap()
    return leftover


def main(argv: list[str]) -> int:
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    pass_fds = tuple(int(options[i + 1]) for i, o in enumerate(options) if o == "--pass-fd")
    nonce = sys.stdin.readline().strip()
    signal.signal(signal.SIGTERM, _on_sigterm)
    # If the gate dies, this process gets SIGTERM and still stops the program's processes.
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    subreaper = _prctl(PR_SET_CHILD_SUBREAPER, 1)
    stopped = False
    program = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr.fileno(),
        stderr=sys.stderr.fileno(),
        pass_fds=pass_fds,
        start_new_session=True,
    )
    try:
        program.wait()
    except _Stopped:
        stopped = True
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    leftover = _contain(program, subreaper)
    code = program.returncode
    report = {
        "nonce": nonce,
        "exit": code if code is not None and code >= 0 else None,
        "signal": -code if code is not None and code < 0 else None,
        "stopped": stopped,
        "leftover": leftover,
    }
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
