"""The local functions: one pool each, looked up by name or ARN, with their Lambda metadata.

Owns the pools' life: prepares each runtime's toolchain once, reaps idle environments in the
background, files each invocation's execution log in `logs` (CloudWatch Logs: the function's
log group, its environment's stream; logs_service.py) and in `<log_dir>/<function>.log` (to
read by eye), and on `close()` stops every environment it started.

Updates take time, as in Lambda: an accepted UpdateFunctionConfiguration is `InProgress` for
`update_delay_s` (Lambda's "usually a few seconds", shortened). Meanwhile the configuration
reads show the new settings with `LastUpdateStatus: InProgress`, invocations still run the old
ones, and another update is refused (`UpdateInProgress`, the API's 409). Then the pool takes the
new configuration and the next invocation is cold. Code that does not wait for the update (the
`function_updated_v2` waiter) fails here as it fails on AWS.

Event invocations run in the background; a function error is retried as Lambda retries it
(two more attempts, a minute and then two minutes later; here `event_retry_delays_s`), with the
same request id.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from harness.local.config import LATEST, FunctionConfig
from harness.local.errors import LocalRuntimeError, UpdateInProgress
from harness.local.invocation import EmulatedInvocation
from harness.local.layout import lay_out
from harness.local.logs_service import LocalLogs
from harness.local.pool import DEFAULT_IDLE_TTL_S, DEFAULT_MAX_ENVIRONMENTS, FunctionPool
from harness.local.progress import progress
from harness.local.toolchain import Toolchain, prepare
from infra.naming import log_group_name
from infra.spec import DEFAULT_REGION

DEFAULT_UPDATE_DELAY_S: Final = 1.0
DEFAULT_EVENT_RETRY_DELAYS_S: Final = (1.0, 2.0)
"""Lambda's 60 s and 120 s between attempts (invocation-async-error-handling.html), / 60."""


@dataclass
class FunctionRecord:
    pool: FunctionPool
    revision_id: str
    last_modified: datetime
    code_sha256: str
    code_size: int
    pending: FunctionConfig | None = None
    """An accepted update the pool does not run yet (InProgress until `settles_at`)."""
    settles_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def spec(self) -> FunctionConfig:
        """The configuration as Lambda's reads show it (an update in progress included)."""
        return self.pending or self.pool.spec

    @property
    def update_in_progress(self) -> bool:
        return self.pending is not None

    @property
    def tags(self) -> Mapping[str, str]:
        return self.pool.spec.tags


class Registry:
    def __init__(
        self,
        specs: list[FunctionConfig],
        *,
        runtime_root: Path,
        workdir: Path,
        layer_cache: Path,
        log_dir: Path | None = None,
        idle_ttl_s: float = DEFAULT_IDLE_TTL_S,
        max_environments: int = DEFAULT_MAX_ENVIRONMENTS,
        proactive_init: float = 0.0,
        update_delay_s: float = DEFAULT_UPDATE_DELAY_S,
        event_retry_delays_s: Sequence[float] = DEFAULT_EVENT_RETRY_DELAYS_S,
    ) -> None:
        workdir, layer_cache = workdir.resolve(), layer_cache.resolve()
        self.logs = LocalLogs(specs[0].region if specs else DEFAULT_REGION)
        self._log_dir = log_dir
        self._log_lock = threading.Lock()
        self._update_delay_s = update_delay_s
        self._event_retry_delays_s = tuple(event_retry_delays_s)
        self._functions: dict[str, FunctionRecord] = {}
        self._aliases: dict[tuple[str, str], FunctionRecord] = {}
        """SnapStart: (function, alias) -> the published version's record (restored pools)."""
        self._closed = threading.Event()
        toolchains: dict[tuple[str, str], Toolchain] = {}
        try:
            for spec in specs:
                key = (spec.runtime, spec.architecture)
                if key not in toolchains:
                    progress(f"preparing the {spec.runtime}-{spec.architecture} runtime")
                    toolchains[key] = prepare(spec.runtime, spec.architecture, runtime_root)
                if spec.layers:
                    progress(f"laying out {spec.name} and its {len(spec.layers)} layer(s)")
                layout = lay_out(spec.code, spec.layers, workdir / spec.name, layer_cache)

                records = {
                    config.snap_start: FunctionRecord(
                        FunctionPool(
                            config,
                            toolchains[key],
                            layout,
                            idle_ttl_s=idle_ttl_s,
                            max_environments=max_environments,
                            # A restored environment has no init to run ahead of its invoke.
                            proactive_init=0.0 if config.snap_start else proactive_init,
                        ),
                        str(uuid.uuid4()),
                        datetime.now(UTC),
                        layout.code_sha256,
                        layout.code_size,
                    )
                    for config in _published(spec)
                }
                self._functions[spec.name] = records[False]
                if True in records:
                    self._aliases[(spec.name, spec.snap_start_alias)] = records[True]
        except BaseException:
            self.close()
            raise
        self.toolchains: Mapping[tuple[str, str], Toolchain] = toolchains
        self._reaper = threading.Thread(
            target=self._reap, args=(max(1.0, idle_ttl_s / 4),), name="reaper", daemon=True
        )
        self._reaper.start()

    def functions(self) -> list[FunctionRecord]:
        for record in self._functions.values():
            self._settle(record)
        return list(self._functions.values())

    def lookup(self, name_or_arn: str, qualifier: str | None = None) -> FunctionRecord | None:
        """Lambda's FunctionName forms: name, name:qualifier, partial ARN
        (`<account>:function:<name>`), full ARN; `$LATEST`, and a SnapStart function's alias
        (its published version, restored from the snapshot)."""
        name, arn_qualifier, arn = _split_function_name(name_or_arn)
        record = self._functions.get(name)
        if record is None or (arn is not None and arn != record.spec.arn):
            return None
        qualifiers = {q for q in (arn_qualifier, qualifier) if q}
        only = next(iter(qualifiers)) if len(qualifiers) == 1 else ""
        if (alias := self._aliases.get((name, only))) is not None:
            self._settle(alias)
            return alias
        if qualifiers - {LATEST}:
            return None
        self._settle(record)
        return record

    def invoke(
        self,
        record: FunctionRecord,
        payload: bytes,
        *,
        request_id: str | None = None,
        client_context: str | None = None,
    ) -> EmulatedInvocation:
        self._settle(record)
        invocation = record.pool.invoke(
            payload, request_id=request_id, client_context=client_context
        )
        self._write_log(record.pool.spec, invocation)
        return invocation

    def invoke_event(self, record: FunctionRecord, payload: bytes, request_id: str) -> None:
        """Run an Event invocation in the background, with Lambda's retries."""
        threading.Thread(
            target=self._run_event,
            args=(record, payload, request_id),
            name=f"event-{request_id[:8]}",
            daemon=True,
        ).start()

    def update(self, record: FunctionRecord, spec: FunctionConfig) -> None:
        """Accept an update (InProgress for `update_delay_s`); UpdateInProgress while the last
        one still is."""
        self._settle(record)
        with record.lock:
            if record.pending is not None:
                raise UpdateInProgress(
                    "The operation cannot be performed at this time. An update is in progress "
                    f"for resource: {record.spec.arn}"
                )
            record.pending = spec
            record.settles_at = time.monotonic() + self._update_delay_s
            record.revision_id = str(uuid.uuid4())
            record.last_modified = datetime.now(UTC)
        self._settle(record)

    def close(self) -> None:
        self._closed.set()
        for record in [*self._functions.values(), *self._aliases.values()]:
            record.pool.close()

    def _settle(self, record: FunctionRecord) -> None:
        """Apply an update whose time has come: the pool runs the new configuration from now."""
        with record.lock:
            if record.pending is not None and time.monotonic() >= record.settles_at:
                record.pool.update(record.pending)
                record.pending = None

    def _run_event(self, record: FunctionRecord, payload: bytes, request_id: str) -> None:
        attempts = (0.0, *self._event_retry_delays_s)
        for delay in attempts:
            if delay and self._closed.wait(delay):
                return
            try:
                invocation = self.invoke(record, payload, request_id=request_id)
            except LocalRuntimeError as exc:
                progress(f"event invoke {request_id} of {record.spec.name} failed: {exc}")
                return
            if invocation.function_error is None:
                return
        progress(
            f"event invoke {request_id} of {record.spec.name} failed {len(attempts)} times "
            f"({invocation.error_type}); Lambda would now discard it"
        )

    def _reap(self, interval_s: float) -> None:
        while not self._closed.wait(interval_s):
            for record in [*self._functions.values(), *self._aliases.values()]:
                self._settle(record)
                record.pool.reap()

    def _write_log(self, spec: FunctionConfig, invocation: EmulatedInvocation) -> None:
        log_group = spec.log_group or log_group_name(spec.name)
        self.logs.record(log_group, invocation.log_stream or "unknown", invocation.events)
        if self._log_dir is None:
            return
        with self._log_lock:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            with (self._log_dir / f"{spec.name}.log").open("a") as log:
                log.write(invocation.log)


def _published(spec: FunctionConfig) -> list[FunctionConfig]:
    """`$LATEST` (on demand), and with SnapStart the alias's version (restored)."""
    if not spec.snap_start_alias:
        return [spec]
    return [replace(spec, snap_start=False), replace(spec, snap_start=True)]


def _split_function_name(value: str) -> tuple[str, str | None, str | None]:
    """-> (name, qualifier from the string, the unqualified full ARN when one was given)."""
    parts = value.split(":")
    if value.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        qualifier = parts[7] if len(parts) > 7 else None
        return parts[6], qualifier, ":".join(parts[:7])
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2], parts[3] if len(parts) > 3 else None, None
    if len(parts) == 2:
        return parts[0], parts[1], None
    return value, None, None
