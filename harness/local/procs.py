"""Process facts from /proc (children, memory, liveness, open pipes), signals to sets of
processes, free ports."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import signal
import socket
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

_PROC = Path("/proc")
_ports_lock = threading.Lock()
_ports_given: set[int] = set()


def children(pid: int) -> list[int]:
    """Direct children of `pid` (every thread's list: Go runs children from any thread); none
    once it is gone (it may end while the tree is walked)."""
    found: list[int] = []
    try:
        tasks = list((_PROC / str(pid) / "task").iterdir())
    except OSError:
        return []
    for task in tasks:
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return sorted(set(found))


def descendants(pid: int) -> list[int]:
    result: list[int] = []
    pending = children(pid)
    while pending:
        child = pending.pop()
        result.append(child)
        pending += children(child)
    return result


def is_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] not in {"Z", "X"}


def peak_rss_kb(pid: int) -> int | None:
    """The process's peak resident set size (VmHWM, in KiB), or None once it is gone."""
    return _status_kb(pid, "VmHWM:")


def rss_kb(pid: int) -> int | None:
    """The process's resident set size now (VmRSS, in KiB), or None once it is gone."""
    return _status_kb(pid, "VmRSS:")


def private_kb(pid: int) -> int:
    """What the process alone maps (Private_Clean + Private_Dirty, in KiB, from smaps_rollup):
    not the pages a fork shares with its parent until one of them writes them."""
    try:
        rollup = (_PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Private_"))


_KCMP_VM = 1
_SYS_KCMP = {"x86_64": 312, "aarch64": 272}


def same_memory(pid: int, other: int) -> bool:
    """Whether two processes share one address space (kcmp(2) KCMP_VM): a child that vfork(2)
    made (subprocess does) uses its parent's pages until it execs; False when unknown."""
    number = _SYS_KCMP.get(platform.machine())
    if number is None:
        return False
    return bool(_libc().syscall(number, pid, other, _KCMP_VM, 0, 0) == 0)


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _status_kb(pid: int, key: str) -> int | None:
    try:
        status = (_PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return None


def run_delay_s(pid: int) -> float:
    """How long the process's main thread has waited for a CPU, in seconds (the second field of
    /proc/<pid>/schedstat; 0 where the kernel keeps no such statistics or the process is gone)."""
    try:
        return int((_PROC / str(pid) / "schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def command_line(pid: int) -> str:
    """The process's command line, for messages ("" once it is gone)."""
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def environment_value(pid: int, name: str) -> str | None:
    """The value of `name` in the environment the process was started with (None: unset, or
    the process is gone)."""
    try:
        raw = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    prefix = f"{name}=".encode()
    for entry in raw.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode(errors="replace")
    return None


def pipe_holders(inode: int) -> list[int]:
    """Every other process with an end of the pipe `inode` open: what a child left behind that
    inherited it (a daemon that left the session still holds its parent's stdout)."""
    wanted = f"pipe:[{inode}]"
    return sorted(
        int(entry.name)
        for entry in _PROC.iterdir()
        if entry.name.isdigit() and int(entry.name) != os.getpid() and wanted in _fds(entry)
    )


def _fds(process: Path) -> set[str]:
    """What the process's file descriptors point at (`pipe:[123]`, paths...)."""
    found = set()
    with contextlib.suppress(OSError):
        for fd in (process / "fd").iterdir():
            with contextlib.suppress(OSError):
                found.add(str(fd.readlink()))
    return found


def signal_all(pids: Iterable[int], signum: int, groups: Iterable[int] = ()) -> None:
    """Send `signum` to each process group in `groups`, then to each process in `pids`
    (processes that are already gone are skipped)."""
    for group in groups:
        if group > 1 and group != os.getpgrp():
            with contextlib.suppress(OSError):
                os.killpg(group, signum)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)


def kill_tree(pids: list[int]) -> None:
    """SIGKILL every process in `pids` and every process group they lead or belong to."""
    signal_all(pids, signal.SIGKILL, groups=process_groups(pids))


def process_groups(pids: Iterable[int]) -> set[int]:
    groups: set[int] = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            groups.add(os.getpgid(pid))
    return groups


def free_port() -> int:
    """A free 127.0.0.1 TCP port not handed out before by this process."""
    with _ports_lock:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _ports_given:
                _ports_given.add(port)
                return port


def release_port(port: int) -> None:
    """Let `free_port` hand `port` out again (its listener is gone)."""
    with _ports_lock:
        _ports_given.discard(port)


def port_accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def probe_failure(argv: list[str], what: str, timeout_s: float) -> str | None:
    """Run a probe of what this machine can do: None when it exits 0, else why (its last line
    on stderr), naming `what` was tried."""
    try:
        probe = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{what} could not run: {exc}"
    if probe.returncode != 0:
        detail = (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1]
        return f"{what} failed: {detail}"
    return None
