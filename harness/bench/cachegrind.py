"""valgrind's cachegrind: the command that counts a process's instructions, and its outputs read.

Counted: every instruction the process executes in user space (Ir), in the interpreter and the
libraries it loads, not in the kernel. With `cache_sim`, a simulated cache (a fixed geometry, not
the host's, so machines agree) adds the misses that make the estimated cycles:
Ir + 10 x L1 misses + 100 x last-level misses (CodSpeed's weights). `--trace-syscalls=yes` logs
each system call the process makes (valgrind's log, not the program's stderr), counted by kind.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harness.bench.errors import BenchError

# A fixed cache geometry (size, associativity, line size): 32 KiB 8-way L1s, 8 MiB 16-way LL.
CACHE_GEOMETRY = ("--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64")
L1_MISS_WEIGHT = 10
LL_MISS_WEIGHT = 100
_MAIN_THREAD_SYSCALL = re.compile(r"^SYSCALL\[\d+,1\]\(\s*\d+\) sys_(\w+)", re.MULTILINE)


class ToolMissing(BenchError):
    """valgrind or setarch is not installed: the gate cannot count (exit 2)."""


def require_tools(path: str | None = None) -> dict[str, str]:
    """valgrind and setarch on PATH (or `path`), or ToolMissing naming the package."""
    found = {name: shutil.which(name, path=path) for name in ("valgrind", "setarch")}
    missing = [name for name, where in found.items() if where is None]
    if missing:
        raise ToolMissing(
            f"{' and '.join(missing)} not found on PATH: the instruction gate counts with "
            "valgrind's cachegrind under `setarch -R` and never falls back to timing alone; "
            "install it (`apt-get install valgrind util-linux`) or pass --no-count to measure "
            "wall time only"
        )
    return {name: str(where) for name, where in found.items()}


def command(tools: dict[str, str], out_file: Path, log_file: Path, *, cache_sim: bool) -> list[str]:
    """The prefix that runs a program under cachegrind with address randomisation off."""
    simulation = ["--cache-sim=yes", *CACHE_GEOMETRY] if cache_sim else ["--cache-sim=no"]
    return [
        tools["setarch"], "-R", tools["valgrind"], "--tool=cachegrind", *simulation,
        f"--cachegrind-out-file={out_file}", f"--log-file={log_file}", "--trace-syscalls=yes",
    ]  # fmt: skip


@dataclass(frozen=True)
class Counts:
    totals: dict[str, int]
    """Event -> count over the whole run (Ir, and the cache events with the simulation)."""
    functions: dict[str, int]
    """`function (file)` -> Ir spent in it (its own instructions, not its callees')."""

    @property
    def instructions(self) -> int:
        return self.totals["Ir"]

    @property
    def estimated_cycles(self) -> int | None:
        """Ir + 10 x L1 misses + 100 x LL misses; None without the cache simulation."""
        t = self.totals
        if "I1mr" not in t:
            return None
        l1 = t["I1mr"] + t["D1mr"] + t["D1mw"]
        ll = t["ILmr"] + t["DLmr"] + t["DLmw"]
        return t["Ir"] + L1_MISS_WEIGHT * l1 + LL_MISS_WEIGHT * ll


def parse_counts(text: str) -> Counts:
    """A cachegrind.out file: its `events:` and `summary:` lines, and Ir per function."""
    events: list[str] = []
    totals: dict[str, int] = {}
    functions: Counter[str] = Counter()
    file_name, function = "?", None
    for line in text.splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("fl="):
            file_name = Path(line[3:]).name
        elif line.startswith("fn="):
            function = f"{line[3:]} ({file_name})"
        elif line.startswith("summary:"):
            totals = dict(zip(events, (int(v) for v in line.split()[1:]), strict=False))
        elif function is not None and line[:1].isdigit():
            parts = line.split()
            if len(parts) > 1:
                functions[function] += int(parts[1])  # the line number, then Ir
    if "Ir" not in totals:
        raise BenchError("the cachegrind output has no `summary:` line with Ir (a cut run?)")
    return Counts(totals, dict(functions))


TIMING_CALLS = frozenset({"clock_gettime", "gettimeofday", "time", "getcpu", "futex"})
"""Not counted: the vDSO calls serve natively without entering the kernel (valgrind makes them
system calls, and Python 3.13's collector reads the clock at each collection, so their number
follows the allocations, which the instructions count); `futex` is a lock wait, as many as the
timing of the tracer's threads makes (21 to 33 at init for the same layer)."""


def parse_syscalls(log: str) -> dict[str, int]:
    """The main thread's system calls by kind, from valgrind's `--trace-syscalls=yes` log, less
    TIMING_CALLS. Other threads' (a tracer's exporter, a thread pool) depend on timing: their
    network use and their starting are what the audit hook watches instead."""
    found = Counter(_MAIN_THREAD_SYSCALL.findall(log))
    return {kind: found[kind] for kind in sorted(found) if kind not in TIMING_CALLS}
