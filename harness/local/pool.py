"""The execution environments of one function, managed the way Lambda manages them.

- An idle environment is reused (warm); the most recently used first, as Lambda tends to.
- When every environment is busy, a new one is started (cold), up to `max_environments`.
- Idle environments older than the TTL are stopped (`reap`).
- An environment whose invoke timed out, crashed or failed init is replaced, never reused.
- A configuration update makes every existing environment stale: idle ones stop at once, busy
  ones when their invoke returns, so the next invoke is cold with the new configuration.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from harness.local.config import FunctionConfig
from harness.local.environment import Environment
from harness.local.errors import PoolClosed, ServiceError, TooManyEnvironments
from harness.local.invocation import EmulatedInvocation, build
from harness.local.layout import Layout
from harness.local.progress import progress
from harness.local.toolchain import Toolchain

DEFAULT_IDLE_TTL_S = 300.0
DEFAULT_MAX_ENVIRONMENTS = 32


@dataclass(frozen=True)
class PoolState:
    idle: int
    busy: int


class FunctionPool:
    def __init__(
        self,
        spec: FunctionConfig,
        toolchain: Toolchain,
        layout: Layout,
        workdir: Path,
        *,
        idle_ttl_s: float = DEFAULT_IDLE_TTL_S,
        max_environments: int = DEFAULT_MAX_ENVIRONMENTS,
    ) -> None:
        self._spec = spec
        self._toolchain = toolchain
        self._workdir = workdir.resolve()
        self._layout = layout
        self._idle_ttl_s = idle_ttl_s
        self._max = max_environments
        self._lock = threading.Lock()
        self._idle: list[Environment] = []
        self._busy: set[Environment] = set()
        self._starting = 0
        self._generation = 0
        self._generations: dict[Environment, int] = {}
        self._closed = False

    @property
    def spec(self) -> FunctionConfig:
        return self._spec

    def state(self) -> PoolState:
        with self._lock:
            return PoolState(idle=len(self._idle), busy=len(self._busy))

    def pids(self) -> list[int]:
        """Every process of every environment (tests check none survives `close`)."""
        with self._lock:
            environments = [*self._idle, *self._busy]
        return [pid for env in environments for pid in env.pids()]

    def invoke(self, payload: bytes, client_context: str | None = None) -> EmulatedInvocation:
        env = self._acquire()
        try:
            invocation = build(env.invoke(payload, client_context), env.spec)
        except ServiceError:
            self._release(env, reusable=False)
            raise
        self._release(env, reusable=invocation.reusable)
        return invocation

    def update(self, spec: FunctionConfig) -> None:
        """Apply a new configuration: existing environments are dropped (next invoke cold)."""
        with self._lock:
            self._spec = spec
            self._generation += 1
            stale, self._idle = self._idle, []
        for env in stale:
            self._forget(env)

    def reap(self, now: float | None = None) -> int:
        """Stop idle environments unused for longer than the TTL; how many were stopped."""
        now = time.monotonic() if now is None else now
        with self._lock:
            expired = [env for env in self._idle if now - env.last_used > self._idle_ttl_s]
            self._idle = [env for env in self._idle if env not in expired]
        for env in expired:
            self._forget(env)
        if expired:
            progress(f"stopped {len(expired)} idle environment(s) of {self._spec.name}")
        return len(expired)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            environments = [*self._idle, *self._busy]
            self._idle, self._busy = [], set()
        for env in environments:
            self._forget(env)

    # --- internals ----------------------------------------------------------------------------

    def _acquire(self) -> Environment:
        warm, dead = None, []
        with self._lock:
            if self._closed:
                raise PoolClosed(f"function {self._spec.name} is shutting down")
            while self._idle and warm is None:
                env = self._idle.pop()
                if env.alive:
                    self._busy.add(env)
                    warm = env
                else:
                    dead.append(env)
            if warm is None:
                if len(self._busy) + self._starting >= self._max:
                    raise TooManyEnvironments(
                        f"function {self._spec.name} already runs {self._max} concurrent invokes"
                    )
                self._starting += 1
            spec, generation = self._spec, self._generation
        for env in dead:
            self._forget(env)
        return warm or self._start(spec, generation)

    def _start(self, spec: FunctionConfig, generation: int) -> Environment:
        env = Environment(spec, self._layout, self._toolchain, self._workdir)
        try:
            env.start()
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            closed = self._closed
            if not closed:
                self._busy.add(env)
                self._generations[env] = generation
                running = len(self._busy) + len(self._idle)
        if closed:
            env.stop()
            raise PoolClosed(f"function {spec.name} is shutting down")
        progress(f"started an environment for {spec.name} ({running} running)")
        return env

    def _release(self, env: Environment, *, reusable: bool) -> None:
        with self._lock:
            self._busy.discard(env)
            keep = (
                reusable
                and env.alive
                and not self._closed
                and self._generations.get(env) == self._generation
            )
            if keep:
                self._idle.append(env)
        if not keep:
            self._forget(env)

    def _forget(self, env: Environment) -> None:
        env.stop()
        with self._lock:
            self._generations.pop(env, None)
