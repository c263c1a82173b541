"""Process facts from /proc (children, peak memory, liveness), process-tree kills, free ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from pathlib import Path

_PROC = Path("/proc")
_ports_lock = threading.Lock()
_ports_given: set[int] = set()


def children(pid: int) -> list[int]:
    """Direct children of `pid` (every thread's list: Go runs children from any thread)."""
    found: list[int] = []
    for task in (_PROC / str(pid) / "task").glob("*"):
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
    try:
        status = (_PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def kill_tree(pids: list[int]) -> None:
    """SIGKILL every process in `pids` and every process group they lead or belong to."""
    groups: set[int] = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            groups.add(os.getpgid(pid))
    for group in groups:
        if group > 1 and group != os.getpgrp():
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


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
