"""The processes of one execution environment, and what is done to all of them at once.

- the launcher: what the harness started; `unshare`, which forks the RIE into the new PID
  namespace (without namespaces, the RIE itself, in a session of its own);
- the RIE: Lambda's platform stand-in; never frozen, never counted against the memory limit;
- the members: the runtime (the RIE's oldest child that is no extension, which the RIE puts
  in a process group of its own), the layers' extensions (the RIE starts them before the
  runtime; they talk to the RIE's own Runtime API address, the runtime to the proxy's, and
  that is how they are told apart) and every other process under the RIE. In a PID namespace
  a daemon that leaves its session is re-parented to the RIE (PID 1 there), so it stays a
  member; without namespaces, a process that still holds the environment's output pipe is a
  member too (a daemon inherits it; finding one scans /proc, so the memory samples skip it),
  but one that also closed that pipe cannot be found.

Freezing stops every member, the extensions included (SIGSTOP: the process group, then each
process, repeated until no new process appears); thawing continues what was stopped. Lambda
freezes the whole sandbox with a cgroup freezer; this machine's cgroups are not ours to
change, and signals reach every member.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
from pathlib import Path

from harness.local.procs import (
    children,
    descendants,
    environment_value,
    is_alive,
    kill_tree,
    peak_rss_kb,
    pipe_holders,
    private_kb,
    process_groups,
    rss_kb,
    same_memory,
    signal_all,
)

_FREEZE_ROUNDS = 4


_SAMPLE_TRIES = 3


class ProcessTree:
    def __init__(
        self,
        launcher: subprocess.Popen[bytes],
        *,
        namespaced: bool,
        pipe_inode: int,
        extensions_api: str = "",
    ) -> None:
        """`extensions_api`: the RIE's Runtime API address, which the RIE gives the extensions
        it starts (the runtime is given the proxy's)."""
        self._launcher = launcher
        self._extensions_api = extensions_api
        self._namespaced = namespaced
        self._pipe_inode = pipe_inode
        self._rie: int | None = None if namespaced else launcher.pid
        self._frozen: set[int] = set()

    @property
    def frozen(self) -> bool:
        return bool(self._frozen)

    def rie(self) -> int | None:
        if self._rie is None:
            found = children(self._launcher.pid)
            self._rie = found[0] if found else None
        return self._rie

    def members(self, *, detached: bool = True) -> list[int]:
        """The runtime and every other live process of the environment but the RIE
        (`detached=False`: without the scan for those that left the RIE's tree)."""
        rie = self.rie()
        found = set(descendants(rie)) if rie is not None else set()
        if detached and not self._namespaced:
            found.update(pipe_holders(self._pipe_inode))
        found.discard(self._launcher.pid)
        if rie is not None:
            found.discard(rie)
        return sorted(pid for pid in found if is_alive(pid))

    def runtime(self) -> int | None:
        """The process the RIE started for the runtime (its oldest live child that is no
        extension)."""
        rie = self.rie()
        found = [pid for pid in children(rie) if is_alive(pid)] if rie is not None else []
        found = [pid for pid in found if not self._is_extension(pid)]
        return min(found, key=_start_time, default=None)

    def extensions(self) -> list[int]:
        """The members that are the layers' extensions or were started by one."""
        return [pid for pid in self.members() if self._is_extension(pid)]

    def _is_extension(self, pid: int) -> bool:
        api = self._extensions_api
        return bool(api) and environment_value(pid, "AWS_LAMBDA_RUNTIME_API") == api

    def pids(self) -> list[int]:
        """The launcher, the RIE and every member (tests check none survives a stop)."""
        known = [self._launcher.pid, *([self._rie] if self._rie is not None else [])]
        return [pid for pid in dict.fromkeys([*known, *self.members()]) if is_alive(pid)]

    def rss_kb(self) -> int:
        """What the members hold in memory now: the largest one's resident set plus what each
        other address space maps alone (a forked child shares its parent's pages until one of
        them writes them, a vforked one its whole address space: adding resident sets would
        count those twice).

        Reading several processes is not atomic: a fork that exits between the reads leaves its
        pages to its parent, which then maps them alone, so they would be counted twice. A
        sample during which a counted process ended is taken again (the smallest of
        `_SAMPLE_TRIES` when the tree keeps changing)."""
        totals = []
        for _try in range(_SAMPLE_TRIES):
            total, counted = self._sample()
            if all(rss_kb(pid) for pid in counted):
                return total
            totals.append(total)
        return min(totals)

    def _sample(self) -> tuple[int, list[int]]:
        sizes = {pid: rss_kb(pid) or 0 for pid in self.members(detached=False)}
        if not sizes:
            return 0, []
        counted = [max(sizes, key=lambda pid: sizes[pid])]
        total = sizes[counted[0]]
        for pid in sizes:
            if not any(pid == seen or same_memory(pid, seen) for seen in counted):
                total += private_kb(pid)
                counted.append(pid)
        return total, counted

    def peak_kb(self) -> int:
        """The largest peak resident set any member has reached."""
        return max((peak_rss_kb(pid) or 0 for pid in self.members(detached=False)), default=0)

    def leftovers(self) -> list[int]:
        """Members other than the runtime and the extensions: what the function started and
        left."""
        runtime, extensions = self.runtime(), set(self.extensions())
        return [pid for pid in self.members() if pid != runtime and pid not in extensions]

    # --- signals -------------------------------------------------------------------------------

    def freeze(self) -> None:
        for _round in range(_FREEZE_ROUNDS):
            members = [pid for pid in self.members() if pid not in self._frozen]
            if not members:
                return
            signal_all(members, signal.SIGSTOP, groups=self._groups(members))
            self._frozen.update(members)

    def thaw(self) -> None:
        frozen, self._frozen = self._frozen, set()
        signal_all(frozen, signal.SIGCONT, groups=self._groups(frozen))

    def kill_members(self) -> None:
        """SIGKILL every member (a stopped process dies too); the RIE sees its runtime die."""
        members = self.members(detached=False)
        signal_all(members, signal.SIGKILL, groups=self._groups(members))

    def _groups(self, pids: set[int] | list[int]) -> set[int]:
        """The members' process groups, never the launcher's or the RIE's."""
        platform = [self._launcher.pid, *([self._rie] if self._rie is not None else [])]
        return process_groups(pids) - process_groups(platform)

    def terminate(self, grace_s: float) -> None:
        """Stop the environment: continue what is frozen, ask the RIE to stop (it kills the
        runtime's process group and exits; in a PID namespace, the kernel then kills every
        other member), then kill whatever is left and reap the launcher."""
        self.thaw()
        members = self.members()
        rie = self.rie()
        if rie is not None and self._launcher.poll() is None:
            with contextlib.suppress(OSError):
                signal_all([rie], signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._launcher.wait(grace_s)
        if self._launcher.poll() is None:
            kill_tree([self._launcher.pid])
        kill_tree([pid for pid in [*members, *self.members()] if is_alive(pid)])
        self._launcher.wait()


def _start_time(pid: int) -> int:
    """When the process started (clock ticks since boot; /proc/<pid>/stat field 22)."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[19])
