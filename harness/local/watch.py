"""What Lambda enforces while an invocation runs, checked every few milliseconds.

- Memory: the environment's processes together may hold at most the function's MemorySize (in
  Lambda, the sandbox's cgroup limit, whose breach kills the runtime: `Runtime.OutOfMemory`).
  Here what they hold is sampled (tree.py; this machine's cgroups are not ours to change), and
  the peak any of them reached is checked once more at the end, so an allocation that came
  and went between two samples is still caught: Lambda would have killed it.
- Init: its own budget (Lambda's 10 s), from the start of init to the runtime's first `next`,
  less the time the runtime waited for a CPU: Lambda gives an environment its CPU share, this
  machine is shared, and an init that Lambda would finish must not run out of its budget here
  because other work kept it waiting (the function cannot see this clock; a retried init, which
  counts in the function's timeout, runs on the wall clock like the timeout).
- The handler: the function's timeout, from the moment the invocation reached the runtime.
When one is exceeded, every process of the environment but the RIE is killed (the RIE then
answers as for a runtime that died) and the verdict says why.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import Final

from harness.local.procs import run_delay_s
from harness.local.tree import ProcessTree

SAMPLE_INTERVAL_S: Final = 0.02


class Verdict(Enum):
    TIMEOUT = "timeout"
    INIT_TIMEOUT = "init timeout"
    OUT_OF_MEMORY = "out of memory"


@dataclass
class Phases:
    """When the running phase must end (monotonic seconds; None: that phase is not running).
    The environment sets them from the Runtime API proxy's events."""

    init_ends: float | None = None
    init_waits_excluded: bool = True
    """Whether the init clock leaves out the time the runtime waited for a CPU."""
    handler_ends: float | None = None


class Watch:
    """Started when an invoke is sent, finished when it returned."""

    def __init__(self, tree: ProcessTree, limit_kb: int, phases: Phases) -> None:
        self._tree = tree
        self._limit_kb = limit_kb
        self._phases = phases
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._runtime: int | None = None
        self.verdict: Verdict | None = None
        self.peak_kb = 0
        self._thread = threading.Thread(target=self._run, name="invoke-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> Verdict | None:
        """Stop watching; the verdict, after a last look at the peak memory."""
        self._done.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self._tree.peak_kb())
        if self.peak_kb > self._limit_kb:
            self._end(Verdict.OUT_OF_MEMORY)
        return self.verdict

    def _run(self) -> None:
        while not self._done.wait(SAMPLE_INTERVAL_S):
            self._check()

    def _check(self) -> None:
        rss = self._tree.rss_kb()
        self.peak_kb = max(self.peak_kb, rss)
        now = time.monotonic()
        phases = self._phases  # the proxy's thread changes them: each is read once
        init_ends, handler_ends = phases.init_ends, phases.handler_ends
        if rss > self._limit_kb:
            self._end(Verdict.OUT_OF_MEMORY)
        elif init_ends is not None and now - self._cpu_wait(phases.init_waits_excluded) > init_ends:
            self._end(Verdict.INIT_TIMEOUT)
        elif handler_ends is not None and now > handler_ends:
            self._end(Verdict.TIMEOUT)

    def _cpu_wait(self, excluded: bool) -> float:
        if not excluded:
            return 0.0
        self._runtime = self._runtime or self._tree.runtime()
        return run_delay_s(self._runtime) if self._runtime is not None else 0.0

    def _end(self, verdict: Verdict) -> None:
        with self._lock:
            if self.verdict is not None:
                return
            self.verdict = verdict
        self._tree.kill_members()
