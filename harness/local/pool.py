"""The execution environments of one function, managed the way Lambda manages them.

- An idle environment is reused (warm); the most recently used first, as Lambda tends to.
- When every environment is busy, a new one is started (cold), up to `max_environments`.
- Idle environments older than the TTL are stopped (`reap`).
- An environment whose invoke timed out, crashed or failed init is replaced, never reused.
- A configuration update makes every existing environment stale: idle ones stop at once, busy
  ones when their invoke returns, so the next invoke is cold with the new configuration.
- An init that runs out of its budget is retried, as Lambda retries it: in a new environment,
  inside the invocation and its timeout, with the same request id.
- Every invocation gets a request id and an X-Ray trace header unless the caller brings them.
- `proactive_init`: that share of new environments is initialized before its first invocation
  (Lambda's proactive initialization), which then reports no Init Duration.
- With SnapStart (`spec.snap_start`), init runs once per configuration, in a `SnapshotImage`,
  and every new environment is restored from it (snapstart.py); those run without the sandbox.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass

from harness.local import sandbox
from harness.local.config import FunctionConfig
from harness.local.environment import INIT_BUDGET_S, Environment
from harness.local.errors import PoolClosed, ServiceError, TooManyEnvironments
from harness.local.extensions import external_extensions
from harness.local.invocation import EmulatedInvocation, build, init_timeout_prelude
from harness.local.layout import Layout
from harness.local.progress import progress
from harness.local.snapstart import SnapshotImage
from harness.local.toolchain import Toolchain
from harness.local.watch import Verdict

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
        *,
        idle_ttl_s: float = DEFAULT_IDLE_TTL_S,
        max_environments: int = DEFAULT_MAX_ENVIRONMENTS,
        init_budget_s: float = INIT_BUDGET_S,
        sandboxed: bool | None = None,
        proactive_init: float = 0.0,
    ) -> None:
        """`sandboxed`: None uses the sandbox where this machine allows it (sandbox.py)."""
        if not 0.0 <= proactive_init <= 1.0:
            raise ValueError(f"proactive_init={proactive_init!r} is not a share from 0 to 1")
        self._proactive_init = proactive_init
        # The RIE would send the layers' extensions an INVOKE for an environment's own
        # invocation: with extensions, every new environment starts on its first invocation.
        self._may_init_ahead = proactive_init > 0 and not external_extensions(layout.opt)
        self._random = random.Random()  # noqa: S311 - which environments, not a secret
        self._spec = spec
        self._toolchain = toolchain
        self._layout = layout
        self._idle_ttl_s = idle_ttl_s
        self._max = max_environments
        self._init_budget_s = init_budget_s
        self._sandboxed = sandbox.enabled() if sandboxed is None else sandboxed
        if spec.snap_start:
            self._sandboxed = False
        self._images: dict[int, SnapshotImage] = {}
        """Per configuration generation, its SnapStart image (made by the first restore)."""
        self._image_lock = threading.Lock()
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

    @property
    def sandboxed(self) -> bool:
        return self._sandboxed

    def invoke(
        self,
        payload: bytes,
        *,
        request_id: str | None = None,
        client_context: str | None = None,
    ) -> EmulatedInvocation:
        request_id = request_id or str(uuid.uuid4())
        trace_id = new_trace_header()
        env = self._acquire()
        try:
            raw = env.invoke(
                payload, request_id=request_id, trace_id=trace_id, client_context=client_context
            )
            if raw.verdict is not Verdict.INIT_TIMEOUT:
                invocation = build(raw, env.spec)
            else:
                self._release(env, reusable=False)
                prelude = init_timeout_prelude(raw, env.spec, self._init_budget_s)
                env = self._start(*self._current(), init_in_timeout=True)
                retried = env.invoke(
                    payload, request_id=request_id, trace_id=trace_id, client_context=client_context
                )
                invocation = build(retried, env.spec, prelude)
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
        with self._image_lock:
            images, self._images = list(self._images.values()), {}
        for image in images:
            image.stop()

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
        if warm is not None:
            return warm
        if self._may_init_ahead and self._random.random() < self._proactive_init:
            return self._start_ahead(spec, generation)
        return self._start(spec, generation)

    def _start_ahead(self, spec: FunctionConfig, generation: int) -> Environment:
        """A new environment initialized before its first invocation; if that init fails, the
        invocation gets an ordinary cold start (and so an init error, as it would)."""
        env = self._start(spec, generation)
        if env.initialize_ahead():
            progress(f"initialized an environment for {spec.name} ahead of its first invoke")
            return env
        self._release(env, reusable=False)
        return self._start(*self._current())

    def _current(self) -> tuple[FunctionConfig, int]:
        """The configuration and generation a new environment gets; counts it as starting."""
        with self._lock:
            self._starting += 1
            return self._spec, self._generation

    def _start(
        self, spec: FunctionConfig, generation: int, *, init_in_timeout: bool = False
    ) -> Environment:
        try:
            image = self._image(spec, generation) if spec.snap_start else None
            env = Environment(
                spec,
                self._layout,
                self._toolchain,
                sandbox=self._sandboxed,
                init_budget_s=self._init_budget_s,
                init_in_timeout=init_in_timeout,
                image=image,
            )
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

    def _image(self, spec: FunctionConfig, generation: int) -> SnapshotImage:
        """The image new environments of `generation` are restored from: init runs once, on the
        first restore (Lambda runs it when the version is published); older images stop."""
        with self._image_lock:
            image = self._images.get(generation)
            if image is not None and image.alive:
                return image
            for old in self._images.values():
                old.stop()
            image = SnapshotImage(spec, self._layout, self._toolchain)
            self._images = {generation: image}
            image.start()
            progress(f"made the SnapStart image of {spec.name} (init {image.init_ms:.0f} ms)")
            return image

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


def new_trace_header() -> str:
    """An X-Ray trace header as Lambda gives each invocation (`_X_AMZN_TRACE_ID`) with tracing
    in PassThrough mode: a new root, a parent segment, not sampled."""
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return f"Root={root};Parent={secrets.token_hex(8)};Sampled=0"
